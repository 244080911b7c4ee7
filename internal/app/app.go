// Package app composes the dashboard: configuration, database, provider
// clients and their built-in sandboxes, callback intake and the web
// server. cmd/dashboard and the end-to-end tests build it the same way.
package app

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"backoffice/internal/checkout"
	"backoffice/internal/config"
	"backoffice/internal/db"
	"backoffice/internal/disbursements"
	"backoffice/internal/diskspace"
	"backoffice/internal/handlers"
	"backoffice/internal/intake"
	"backoffice/internal/lease"
	"backoffice/internal/models"
	"backoffice/internal/ovo"
	"backoffice/internal/providers/ayopop"
	ayopopsb "backoffice/internal/providers/ayopop/sandbox"
	"backoffice/internal/providers/doku"
	dokusb "backoffice/internal/providers/doku/sandbox"
	"backoffice/internal/providers/faspay"
	faspaysb "backoffice/internal/providers/faspay/sandbox"
	"backoffice/internal/providers/oy"
	oysb "backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/store"
	"backoffice/internal/topups"
	"backoffice/internal/va"
)

// App is the running dashboard.
type App struct {
	Config *config.Config
	DB     *db.DB
	Store  *store.Store
	Log    *slog.Logger
	// Disk watches free space where the database lives: DiskLow() is true
	// under DASHBOARD_MIN_FREE_DISK.
	Disk *diskspace.Monitor

	OY     *oy.Client
	Faspay *faspay.Client
	Doku   *doku.Client
	Ayopop *ayopop.Client

	Disbursements *disbursements.Service
	Topups        *topups.Service
	OVO           *ovo.Service
	Checkout      *checkout.Service
	VA            *va.Service

	Writer *store.CallbackWriter
	Worker *intake.Worker
	Server *handlers.Server
	// Leases run each background loop on one replica at a time.
	Leases *lease.Leases

	closers []func()
	wg      sync.WaitGroup
	cancel  context.CancelFunc
}

// Options tune the sandboxes, mainly for tests.
type Options struct {
	// SettleDelay is how long sandbox payments and transfers take to settle;
	// zero keeps each sandbox's own default (a few seconds).
	SettleDelay time.Duration
	// PollEvery is how often due disbursement status checks run (2 s).
	PollEvery time.Duration
	Now       func() time.Time
	// PurgeEvery is how often expired sessions are deleted (SessionPurgeEvery).
	PurgeEvery time.Duration
	// VASyncEvery is how often OY's VA list is read (VASyncEvery).
	VASyncEvery time.Duration
	// LeaseTTL and LeaseRenew time the background loops' leases
	// (lease.TTL, lease.Renew).
	LeaseTTL, LeaseRenew time.Duration
	// LeaseHolder names this process in the leases table: on PostgreSQL a
	// new random name at each start, on SQLite (one process) the host name,
	// so a restart after a crash takes its leases back at once.
	LeaseHolder string
}

// VASyncEvery is how often OY's VA list is read for VAs made outside the
// dashboard.
const VASyncEvery = 5 * time.Minute

// SessionPurgeEvery is how often sessions past their idle or absolute
// limit are deleted: they can no longer sign anyone in, and only grow the table.
const SessionPurgeEvery = 10 * time.Minute

// Open reads the data directory, opens and migrates the database.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.CheckDataDir(); err != nil {
		return nil, err
	}
	if err := cfg.EnsureSecrets(); err != nil {
		return nil, err
	}
	d, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	st := store.New(d)
	n, err := st.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", "steps", n, "database", string(d.Dialect), "path", d.Path)
	}
	if cfg.DatabaseReadURL != "" {
		// List pages and exports read the replica; a replica that does not
		// answer is logged and read around (docs/postgres.md, "Read replica").
		if err := d.OpenReplica(cfg.DatabaseReadURL, log.With("component", "read-replica")); err != nil {
			d.Close()
			return nil, err
		}
	}
	// The disk watched is the one the SQLite file is on; with PostgreSQL
	// the data directory (session keys, sandbox keys) is what stays local.
	diskDir := cfg.DataDir
	if d.Dialect == db.SQLite {
		diskDir = filepath.Dir(d.Path)
	}
	return &App{Config: cfg, DB: d, Store: st, Log: log, Disk: diskspace.New(diskDir, cfg.MinFreeDisk)}, nil
}

// Build makes the provider clients, the sandboxes of providers with no
// base URL, the callback intake and the web server, and starts the worker.
func (a *App) Build(opts Options) error {
	// The live heap is small (tens of MB) and the machine has memory to
	// spare: collecting less often saves ~11 % of CPU per callback (docs/callbacks.md). GOGC set in the
	// environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	cfg := a.Config
	base := cfg.BaseURL
	sandboxURL := func(p string) string { return base + "/sandbox/" + p }
	var mounts []handlers.Mount
	mount := func(prefix string, h http.Handler, closer func()) {
		// Once a provider is live the sandboxes are not served (they can
		// send callbacks carrying valid tokens), unless DASHBOARD_SANDBOX=1.
		if !cfg.Sandboxes() {
			closer()
			a.Log.Warn("provider not configured, and the built-in sandboxes are off because another provider is live: its calls will fail",
				"sandbox", prefix, "fix", "set its *_BASE_URL and credentials, or DASHBOARD_SANDBOX=1")
			return
		}
		mounts = append(mounts, handlers.Mount{Prefix: prefix, Handler: h})
		a.closers = append(a.closers, closer)
	}

	// OY!
	oyBase := cfg.OY.BaseURL
	if oyBase == "" {
		oyBase = sandboxURL("oy")
		sb := oysb.New(oysb.Options{
			Username: cfg.OY.Username, APIKey: cfg.OY.APIKey, PublicURL: oyBase,
			DisbursementCallbackURL: base + "/callbacks/oy/disbursement?token=" + cfg.OY.CallbackToken,
			VACallbackURL:           base + "/callbacks/oy/va?token=" + cfg.OY.CallbackToken,
			CheckoutCallbackURL:     base + "/callbacks/oy/checkout?token=" + cfg.OY.CallbackToken,
			SettleDelay:             opts.SettleDelay, Logger: a.Log.With("sandbox", "oy"),
		})
		mount("/sandbox/oy", sb, sb.Close)
	}
	a.OY = oy.New(oy.Config{BaseURL: oyBase, Username: cfg.OY.Username, APIKey: cfg.OY.APIKey, Logger: a.Log})

	// Faspay OVO Tokenize
	faspayBase := cfg.Faspay.BaseURL
	if faspayBase == "" {
		faspayBase = sandboxURL("faspay")
		sb := faspaysb.New(faspaysb.Options{
			MerchantID: cfg.Faspay.MerchantID, MerchantName: cfg.Faspay.MerchantName, UserID: cfg.Faspay.UserID, Password: cfg.Faspay.Password,
			PublicURL:              faspayBase,
			ActivationCallbackURL:  base + "/callbacks/faspay/ovo-linkage?token=" + cfg.Faspay.CallbackToken,
			PaymentNotificationURL: base + "/callbacks/faspay/payment-notification",
			ReturnURL:              base + "/ovo-accounts",
			SettleDelay:            opts.SettleDelay, Logger: a.Log.With("sandbox", "faspay"), Now: opts.Now,
		})
		mount("/sandbox/faspay", sb, sb.Close)
	}
	a.Faspay = faspay.New(faspay.Config{BaseURL: faspayBase, MerchantID: cfg.Faspay.MerchantID, MerchantName: cfg.Faspay.MerchantName,
		UserID: cfg.Faspay.UserID, Password: cfg.Faspay.Password, Logger: a.Log})

	// DOKU SNAP
	keys, err := a.dokuKeys()
	if err != nil {
		return err
	}
	dokuBase := cfg.Doku.BaseURL
	if dokuBase == "" {
		dokuBase = sandboxURL("doku")
		sb := dokusb.New(dokusb.Options{
			ClientID: cfg.Doku.ClientID, SecretKey: cfg.Doku.SecretKey,
			MerchantPublicKey: &keys.merchant.PublicKey, DokuPrivateKey: keys.dokuPrivate,
			PublicURL:            dokuBase,
			MerchantTokenURL:     base + "/callbacks/doku/v1.0/access-token/b2b",
			NotificationURL:      base + "/callbacks/doku/v1.0/debit/notify",
			NotificationSignsURI: cfg.Doku.NotifySigns == config.NotifySignsURI,
			SettleDelay:          opts.SettleDelay, Logger: a.Log.With("sandbox", "doku"), Now: opts.Now,
		})
		mount("/sandbox/doku", sb, sb.Close)
	}
	a.Doku = doku.New(doku.Config{BaseURL: dokuBase, ClientID: cfg.Doku.ClientID, SecretKey: cfg.Doku.SecretKey,
		PrivateKey: keys.merchant, DokuPublicKey: keys.dokuPublic, DeviceID: cfg.Doku.DeviceID, IPAddress: cfg.Doku.IPAddress, Logger: a.Log})

	// Ayopop
	ayopopBase := cfg.Ayopop.BaseURL
	if ayopopBase == "" {
		ayopopBase = sandboxURL("ayopop")
		sb := ayopopsb.New(ayopopsb.Options{
			PartnerID: cfg.Ayopop.PartnerID, APIKey: cfg.Ayopop.APIKey, Secret: cfg.Ayopop.Secret, PublicURL: ayopopBase,
			CallbackURL: base + "/callbacks/ayopop?token=" + cfg.Ayopop.CallbackToken,
			SettleDelay: opts.SettleDelay, Logger: a.Log.With("sandbox", "ayopop"), Now: opts.Now,
		})
		mount("/sandbox/ayopop", sb, sb.Close)
	}
	a.Ayopop = ayopop.New(ayopop.Config{BaseURL: ayopopBase, PartnerID: cfg.Ayopop.PartnerID, APIKey: cfg.Ayopop.APIKey, Secret: cfg.Ayopop.Secret, Logger: a.Log})

	// Callback intake
	allow := map[string][]netip.Prefix{}
	for provider, list := range map[string][]string{"oy": cfg.OY.CallbackAllowIPs, "faspay": cfg.Faspay.CallbackAllowIPs, "doku": cfg.Doku.CallbackAllowIPs, "ayopop": cfg.Ayopop.CallbackAllowIPs} {
		prefixes, err := intake.ParseAllowList(list)
		if err != nil {
			return fmt.Errorf("%s callback allow-list: %w", provider, err)
		}
		allow[provider] = prefixes
	}
	secrets := &intake.Secrets{
		OYToken: cfg.OY.CallbackToken, AyopopToken: cfg.Ayopop.CallbackToken, FaspayToken: cfg.Faspay.CallbackToken,
		DokuNotifyVerify: a.Doku.NotificationVerifier(), DokuNotifySignsURI: cfg.Doku.NotifySigns == config.NotifySignsURI,
		FaspayUserID: cfg.Faspay.UserID, FaspayPassword: cfg.Faspay.Password,
		DokuClientID: cfg.Doku.ClientID, DokuSecretKey: cfg.Doku.SecretKey, DokuPublicKey: keys.dokuPublic,
		DokuTokens: doku.NewTokenIssuer(cfg.SessionHashKey), AllowIPs: allow,
	}
	a.Worker = intake.NewWorker(a.Store, a.Log.With("component", "callback-worker"))
	if a.Writer, err = a.Store.NewCallbackWriter(a.Worker.Committed); err != nil {
		return err
	}
	a.Worker.Follow(a.Writer)

	// Domain workflows, and the processors that apply callbacks to them.
	a.Disbursements = disbursements.New(a.Store, a.OY, a.Log.With("component", "disbursements"))
	a.Worker.Register("oy", "disbursement", intake.ProcessorFunc(a.Disbursements.ProcessCallback))
	// --- OVO top-ups (Ayopop): workflow and its callback processor ---
	a.Topups = topups.New(a.Store, a.Ayopop, a.Log.With("component", "topups"), opts.Now)
	a.Worker.Register("ayopop", "topup", intake.ProcessorFunc(a.Topups.ProcessCallback))
	// --- end OVO top-ups ---

	// Linked OVO accounts (Faspay, DOKU): their callbacks applied.
	a.OVO = ovo.New(a.Store, a.Faspay, a.Doku, base, a.Log.With("component", "ovo"))
	a.Worker.Register("faspay", "ovo-linkage", intake.ProcessorFunc(a.OVO.ProcessFaspayLinkage))
	a.Worker.Register("faspay", "payment-notification", intake.ProcessorFunc(a.OVO.ProcessFaspayPayment))
	a.Worker.Register("doku", "debit-notify", intake.ProcessorFunc(a.OVO.ProcessDokuNotify))
	// End of linked OVO accounts.

	// --- Payment links and invoices (checkout): callbacks, poller, recurring scheduler ---
	linkURL := checkout.ProductionLinkURL
	if cfg.OY.BaseURL == "" {
		linkURL = func(kind models.CheckoutKind, id string) string {
			if kind == models.KindInvoice {
				return oyBase + "/invoice/" + id
			}
			return oyBase + "/pay/" + id
		}
	}
	a.Checkout = checkout.New(a.Store, a.OY, a.Log.With("component", "checkout"), checkout.Options{Now: opts.Now, LinkURL: linkURL})
	a.Worker.Register("oy", "checkout", intake.ProcessorFunc(a.Checkout.ProcessCallback))
	// --- end checkout ---

	// --- OY virtual accounts (issue 17): payment callbacks; the list sync starts below.
	a.VA = va.New(a.Store, a.OY, a.Log.With("component", "virtual-accounts"), opts.Now)
	a.Worker.Register("oy", "va", intake.ProcessorFunc(a.VA.ProcessCallback))
	// --- end virtual accounts

	srv, err := handlers.New(handlers.Deps{Config: cfg, Store: a.Store, Logger: a.Log, Mounts: mounts, Now: opts.Now, Disk: a.Disk,
		Callbacks:     &handlers.Callbacks{Endpoints: intake.Endpoints(secrets), Writer: a.Writer, Worker: a.Worker},
		Disbursements: a.Disbursements, Topups: a.Topups, OVO: a.OVO, Checkout: a.Checkout, VA: a.VA})
	if err != nil {
		return err
	}
	a.Server = srv
	holder := opts.LeaseHolder
	if holder == "" && a.DB.Dialect == db.SQLite {
		host, _ := os.Hostname()
		holder = "sqlite:" + host
	}
	if a.Leases, err = lease.New(a.Store, a.Log.With("component", "leases"), lease.Options{TTL: opts.LeaseTTL, Renew: opts.LeaseRenew, Holder: holder}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	pollEvery := opts.PollEvery
	if pollEvery == 0 {
		pollEvery = 2 * time.Second
	}
	purgeEvery := opts.PurgeEvery
	if purgeEvery == 0 {
		purgeEvery = SessionPurgeEvery
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	// Every background loop starts here, each under its lease: with
	// several replicas on one PostgreSQL database each runs on one of them
	// (docs/postgres.md, "Leases").
	a.background(ctx, "sessions-purge", func(ctx context.Context) { a.purgeSessions(ctx, purgeEvery, now) })
	a.background(ctx, "callback-worker", a.Worker.Run)
	a.background(ctx, "disbursement-poller", func(ctx context.Context) { a.Disbursements.RunPoller(ctx, pollEvery) })
	a.background(ctx, "batches", a.Disbursements.RunBatches)
	// --- OVO top-ups (Ayopop): status poller and deposit readings ---
	a.background(ctx, "topup-poller", func(ctx context.Context) { a.Topups.RunPoller(ctx, pollEvery) })
	// --- end OVO top-ups ---
	// --- checkout: settle lost create answers; send recurring invoices when due ---
	a.background(ctx, "checkout-poller", func(ctx context.Context) { a.Checkout.RunPoller(ctx, pollEvery) })
	a.background(ctx, "recurring-invoices", func(ctx context.Context) { a.Checkout.RunScheduler(ctx, time.Minute) })
	// --- end checkout ---
	// --- OY virtual accounts: read OY's VA list (VAs made outside the dashboard, unanswered creates, expiry).
	vaSyncEvery := opts.VASyncEvery
	if vaSyncEvery == 0 {
		vaSyncEvery = VASyncEvery
	}
	a.background(ctx, "va-sync", func(ctx context.Context) { a.VA.RunSync(ctx, vaSyncEvery) })
	// --- end virtual accounts
	return nil
}

// background runs loop while this replica holds the lease name, until
// Close.
func (a *App) background(ctx context.Context, name string, loop func(context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.Leases.Run(ctx, name, loop)
	}()
}

// purgeSessions deletes expired sessions at start and every interval until ctx ends.
func (a *App) purgeSessions(ctx context.Context, every time.Duration, now func() time.Time) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := a.Store.DeleteExpiredSessions(ctx, now().UTC(), handlers.IdleTimeout)
		if err != nil && ctx.Err() == nil {
			a.Log.Warn("purge expired sessions", "err", err.Error())
		} else if n > 0 {
			a.Log.Info("expired sessions purged", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the worker and sandboxes, commits queued callbacks and
// closes the database. Call it after the HTTP server has drained.
func (a *App) Close() error {
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
	if a.Leases != nil {
		// Every loop has stopped: another replica may take them now.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.Leases.Release(ctx); err != nil {
			a.Log.Warn("release leases", "err", err.Error())
		}
		cancel()
	}
	for _, c := range a.closers {
		c()
	}
	if a.Writer != nil {
		a.Writer.Close()
	}
	return a.DB.Close()
}

type dokuKeys struct {
	merchant    *rsa.PrivateKey // signs our token requests to DOKU
	dokuPublic  *rsa.PublicKey  // verifies DOKU's token requests to us
	dokuPrivate *rsa.PrivateKey // sandbox only: signs the sandbox's requests to us
}

// dokuKeys loads the configured key files, or in sandbox mode keeps
// generated key pairs for both sides in the data directory.
func (a *App) dokuKeys() (dokuKeys, error) {
	cfg := a.Config.Doku
	if cfg.BaseURL == "" && cfg.PrivateKeyFile == "" && cfg.PublicKeyFile == "" {
		k, err := dokusb.LoadOrCreateKeys(a.Config.DataDir)
		if err != nil {
			return dokuKeys{}, err
		}
		return dokuKeys{merchant: k.Merchant, dokuPublic: &k.Doku.PublicKey, dokuPrivate: k.Doku}, nil
	}
	if cfg.BaseURL == "" {
		// The built-in sandbox plays DOKU with its own generated key: a
		// DOKU public key given here could never verify what it signs.
		if cfg.PublicKeyFile != "" {
			return dokuKeys{}, errors.New("config: DOKU_PUBLIC_KEY_FILE is DOKU's own key and cannot be used with the built-in DOKU sandbox, " +
				"which signs with a key it generates in the data directory; unset DOKU_PUBLIC_KEY_FILE, or set DOKU_BASE_URL to use DOKU's servers")
		}
		priv, err := doku.LoadPrivateKeyFile(cfg.PrivateKeyFile)
		if err != nil {
			return dokuKeys{}, fmt.Errorf("DOKU_PRIVATE_KEY_FILE: %w", err)
		}
		// Own merchant key with the sandbox: the sandbox still needs a DOKU side.
		sk, err := dokusb.LoadOrCreateKeys(filepath.Join(a.Config.DataDir, "doku-sandbox"))
		if err != nil {
			return dokuKeys{}, err
		}
		return dokuKeys{merchant: priv, dokuPrivate: sk.Doku, dokuPublic: &sk.Doku.PublicKey}, nil
	}
	if cfg.PrivateKeyFile == "" || cfg.PublicKeyFile == "" {
		return dokuKeys{}, errors.New("config: DOKU_PRIVATE_KEY_FILE and DOKU_PUBLIC_KEY_FILE are both required when DOKU_BASE_URL is set")
	}
	priv, err := doku.LoadPrivateKeyFile(cfg.PrivateKeyFile)
	if err != nil {
		return dokuKeys{}, fmt.Errorf("DOKU_PRIVATE_KEY_FILE: %w", err)
	}
	pub, err := doku.LoadPublicKeyFile(cfg.PublicKeyFile)
	if err != nil {
		return dokuKeys{}, fmt.Errorf("DOKU_PUBLIC_KEY_FILE: %w", err)
	}
	k := dokuKeys{merchant: priv, dokuPublic: pub}
	return k, nil
}
