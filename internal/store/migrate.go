package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one schema step. Steps are only ever appended: a released
// step is never edited, so every database walks the same path.
//
// SQL is SQLite's. PostgreSQL's SQL for the same step, with the same
// meaning, is postgresMigrations[Version] (migrate_postgres.go): a step
// added here needs its entry there (a test fails until it has one).
type migration struct {
	Version int
	Name    string
	SQL     string
}

// sqlFor is the step's SQL for the database d.
func (m migration) sqlFor(d dialect) (string, error) {
	if !d.pg {
		return m.SQL, nil
	}
	q, ok := postgresMigrations[m.Version]
	if !ok || strings.TrimSpace(q) == "" {
		return "", fmt.Errorf("no PostgreSQL SQL for this step (add it to postgresMigrations in internal/store/migrate_postgres.go)")
	}
	return q, nil
}

var migrations = []migration{
	{1, "users, sessions, audit log, settings", `
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin','finance','auditor')),
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	password_changed_at DATETIME NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	user_id INTEGER NOT NULL REFERENCES users(id),
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	last_seen_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE audit_entries (
	id INTEGER PRIMARY KEY,
	at DATETIME NOT NULL,
	actor_id INTEGER REFERENCES users(id),
	actor_email TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_entries_actor ON audit_entries(actor_email COLLATE NOCASE, id);
CREATE INDEX audit_entries_action ON audit_entries(action, id);
CREATE INDEX audit_entries_at ON audit_entries(at);
CREATE INDEX audit_entries_login_failures ON audit_entries(action, ip, at);
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at DATETIME NOT NULL
);
`},
	{2, "callback log", `
CREATE TABLE callbacks (
	id INTEGER PRIMARY KEY,
	received_at DATETIME NOT NULL,
	provider TEXT NOT NULL,
	kind TEXT NOT NULL,
	method TEXT NOT NULL,
	path TEXT NOT NULL,
	query TEXT NOT NULL DEFAULT '',
	headers TEXT NOT NULL DEFAULT '{}',
	body BLOB,
	source_ip TEXT NOT NULL DEFAULT '',
	verified INTEGER NOT NULL,
	verify_reason TEXT NOT NULL DEFAULT '',
	dedup_key TEXT NOT NULL DEFAULT '',
	duplicate INTEGER NOT NULL DEFAULT 0,
	duplicate_of INTEGER REFERENCES callbacks(id),
	refs TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	reply_status INTEGER NOT NULL,
	reply_body TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	record_type TEXT NOT NULL DEFAULT '',
	record_id TEXT NOT NULL DEFAULT '',
	processed_at DATETIME,
	next_try_at DATETIME
);
CREATE INDEX callbacks_provider ON callbacks(provider, id);
CREATE INDEX callbacks_kind ON callbacks(kind, id);
CREATE INDEX callbacks_status ON callbacks(status, id);
CREATE INDEX callbacks_received ON callbacks(received_at);
CREATE INDEX callbacks_unverified ON callbacks(id) WHERE verified = 0;
CREATE INDEX callbacks_duplicates ON callbacks(id) WHERE duplicate = 1;
CREATE INDEX callbacks_record ON callbacks(record_type, record_id) WHERE record_id <> '';
CREATE TABLE callback_keys (
	dedup_key TEXT PRIMARY KEY,
	callback_id INTEGER NOT NULL REFERENCES callbacks(id)
) WITHOUT ROWID;
CREATE TABLE callback_refs (
	ref TEXT NOT NULL,
	callback_id INTEGER NOT NULL REFERENCES callbacks(id),
	PRIMARY KEY (ref, callback_id)
) WITHOUT ROWID;
CREATE TABLE callback_attempts (
	id INTEGER PRIMARY KEY,
	callback_id INTEGER NOT NULL REFERENCES callbacks(id),
	at DATETIME NOT NULL,
	outcome TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	record_type TEXT NOT NULL DEFAULT '',
	record_id TEXT NOT NULL DEFAULT '',
	actor_email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX callback_attempts_callback ON callback_attempts(callback_id, id);
CREATE TABLE callback_counters (
	name TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
`},
	{3, "disbursements and OY balance", `
CREATE TABLE disbursement_drafts (
	key TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	recipient_bank TEXT NOT NULL,
	recipient_account TEXT NOT NULL,
	recipient_name TEXT NOT NULL,
	amount INTEGER NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	emails TEXT NOT NULL DEFAULT '',
	partner_trx_id TEXT NOT NULL UNIQUE,
	created_at DATETIME NOT NULL
);
CREATE TABLE disbursements (
	id INTEGER PRIMARY KEY,
	partner_trx_id TEXT NOT NULL UNIQUE,
	draft_key TEXT UNIQUE,
	batch_id INTEGER,
	recipient_bank TEXT NOT NULL,
	recipient_account TEXT NOT NULL,
	recipient_name TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL CHECK (amount > 0),
	note TEXT NOT NULL DEFAULT '',
	emails TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	oy_code TEXT NOT NULL DEFAULT '',
	oy_message TEXT NOT NULL DEFAULT '',
	trx_id TEXT NOT NULL DEFAULT '',
	maker_id INTEGER NOT NULL REFERENCES users(id),
	maker_email TEXT NOT NULL,
	approvals_needed INTEGER NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	sent_at DATETIME,
	final_at DATETIME,
	next_poll_at DATETIME,
	polls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX disbursements_status ON disbursements(status, id);
CREATE INDEX disbursements_bank ON disbursements(recipient_bank, id);
CREATE INDEX disbursements_maker ON disbursements(maker_id, id);
CREATE INDEX disbursements_account ON disbursements(recipient_account);
CREATE INDEX disbursements_created ON disbursements(created_at);
CREATE INDEX disbursements_batch ON disbursements(batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX disbursements_poll ON disbursements(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE TABLE disbursement_approvals (
	id INTEGER PRIMARY KEY,
	disbursement_id INTEGER NOT NULL REFERENCES disbursements(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	user_email TEXT NOT NULL,
	decision TEXT NOT NULL CHECK (decision IN ('approve','reject')),
	reason TEXT NOT NULL DEFAULT '',
	at DATETIME NOT NULL,
	UNIQUE (disbursement_id, user_id)
);
CREATE TABLE disbursement_events (
	id INTEGER PRIMARY KEY,
	disbursement_id INTEGER NOT NULL REFERENCES disbursements(id),
	at DATETIME NOT NULL,
	source TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL DEFAULT '',
	oy_code TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',
	callback_id INTEGER REFERENCES callbacks(id),
	actor_email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX disbursement_events_disbursement ON disbursement_events(disbursement_id, id);
CREATE TABLE balance_readings (
	id INTEGER PRIMARY KEY,
	at DATETIME NOT NULL,
	balance INTEGER NOT NULL,
	overdraft INTEGER NOT NULL,
	overbooking INTEGER NOT NULL,
	pending INTEGER NOT NULL,
	available INTEGER NOT NULL,
	actor_email TEXT NOT NULL DEFAULT ''
);
`},
	{4, "bulk disbursements", `
CREATE TABLE disbursement_batches (
	id INTEGER PRIMARY KEY,
	file_name TEXT NOT NULL,
	file BLOB NOT NULL,
	status TEXT NOT NULL,
	maker_id INTEGER NOT NULL REFERENCES users(id),
	maker_email TEXT NOT NULL,
	approver_id INTEGER REFERENCES users(id),
	total_rows INTEGER NOT NULL DEFAULT 0,
	checked_rows INTEGER NOT NULL DEFAULT 0,
	valid_rows INTEGER NOT NULL DEFAULT 0,
	sent_rows INTEGER NOT NULL DEFAULT 0,
	valid_sum INTEGER NOT NULL DEFAULT 0,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX disbursement_batches_status ON disbursement_batches(status, id);
CREATE TABLE batch_rows (
	id INTEGER PRIMARY KEY,
	batch_id INTEGER NOT NULL REFERENCES disbursement_batches(id),
	line INTEGER NOT NULL,
	recipient_bank TEXT NOT NULL DEFAULT '',
	recipient_account TEXT NOT NULL DEFAULT '',
	amount_text TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	checked INTEGER NOT NULL DEFAULT 0,
	recipient_name TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	disbursement_id INTEGER REFERENCES disbursements(id)
);
CREATE INDEX batch_rows_batch ON batch_rows(batch_id, checked, id);
`},
	// Versions 10-19 belong to the list pages (docs/lists.md): counters kept
	// by triggers, so a page's counts and totals never scan the rows. Pending
	// callbacks are left out of the callback counters: every callback passes
	// through pending on its way in, and the queue is short and indexed, so
	// counting it live spares the intake two counter writes per callback.
	{10, "callback counts per WIB day", `
CREATE TABLE callback_day_counts (
	day TEXT NOT NULL,
	kind TEXT NOT NULL,
	status TEXT NOT NULL,
	verified INTEGER NOT NULL,
	duplicate INTEGER NOT NULL,
	provider TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (day, kind, status, verified, duplicate, provider)
) WITHOUT ROWID;
INSERT INTO callback_day_counts (day, kind, status, verified, duplicate, provider, n)
	SELECT date(received_at, '+7 hours'), kind, status, verified, duplicate, provider, count(*)
	FROM callbacks WHERE status <> 'pending' GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TRIGGER callbacks_count_insert AFTER INSERT ON callbacks WHEN NEW.status <> 'pending' BEGIN
	INSERT INTO callback_day_counts (day, kind, status, verified, duplicate, provider, n)
	VALUES (date(NEW.received_at, '+7 hours'), NEW.kind, NEW.status, NEW.verified, NEW.duplicate, NEW.provider, 1)
	ON CONFLICT (day, kind, status, verified, duplicate, provider) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER callbacks_uncount_update AFTER UPDATE OF received_at, kind, status, verified, duplicate, provider ON callbacks
WHEN OLD.status <> 'pending' AND (OLD.status IS NOT NEW.status OR OLD.verified IS NOT NEW.verified OR OLD.duplicate IS NOT NEW.duplicate
	OR OLD.kind IS NOT NEW.kind OR OLD.provider IS NOT NEW.provider OR OLD.received_at IS NOT NEW.received_at) BEGIN
	UPDATE callback_day_counts SET n = n - 1
	WHERE day = date(OLD.received_at, '+7 hours') AND kind = OLD.kind AND status = OLD.status
		AND verified = OLD.verified AND duplicate = OLD.duplicate AND provider = OLD.provider;
END;
CREATE TRIGGER callbacks_count_update AFTER UPDATE OF received_at, kind, status, verified, duplicate, provider ON callbacks
WHEN NEW.status <> 'pending' AND (OLD.status IS NOT NEW.status OR OLD.verified IS NOT NEW.verified OR OLD.duplicate IS NOT NEW.duplicate
	OR OLD.kind IS NOT NEW.kind OR OLD.provider IS NOT NEW.provider OR OLD.received_at IS NOT NEW.received_at) BEGIN
	INSERT INTO callback_day_counts (day, kind, status, verified, duplicate, provider, n)
	VALUES (date(NEW.received_at, '+7 hours'), NEW.kind, NEW.status, NEW.verified, NEW.duplicate, NEW.provider, 1)
	ON CONFLICT (day, kind, status, verified, duplicate, provider) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER callbacks_count_delete AFTER DELETE ON callbacks WHEN OLD.status <> 'pending' BEGIN
	UPDATE callback_day_counts SET n = n - 1
	WHERE day = date(OLD.received_at, '+7 hours') AND kind = OLD.kind AND status = OLD.status
		AND verified = OLD.verified AND duplicate = OLD.duplicate AND provider = OLD.provider;
END;
`},
	{11, "disbursement counts and sums per WIB day", `
CREATE TABLE disbursement_day_counts (
	day TEXT NOT NULL,
	status TEXT NOT NULL,
	recipient_bank TEXT NOT NULL,
	maker_id INTEGER NOT NULL,
	batch_id INTEGER NOT NULL,
	n INTEGER NOT NULL,
	total INTEGER NOT NULL,
	PRIMARY KEY (day, status, recipient_bank, maker_id, batch_id)
) WITHOUT ROWID;
INSERT INTO disbursement_day_counts (day, status, recipient_bank, maker_id, batch_id, n, total)
	SELECT date(created_at, '+7 hours'), status, recipient_bank, maker_id, coalesce(batch_id, 0), count(*), sum(amount)
	FROM disbursements GROUP BY 1, 2, 3, 4, 5;
CREATE TRIGGER disbursements_count_insert AFTER INSERT ON disbursements BEGIN
	INSERT INTO disbursement_day_counts (day, status, recipient_bank, maker_id, batch_id, n, total)
	VALUES (date(NEW.created_at, '+7 hours'), NEW.status, NEW.recipient_bank, NEW.maker_id, coalesce(NEW.batch_id, 0), 1, NEW.amount)
	ON CONFLICT (day, status, recipient_bank, maker_id, batch_id) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
CREATE TRIGGER disbursements_count_update AFTER UPDATE OF created_at, status, recipient_bank, maker_id, batch_id, amount ON disbursements
WHEN OLD.status IS NOT NEW.status OR OLD.recipient_bank IS NOT NEW.recipient_bank OR OLD.maker_id IS NOT NEW.maker_id
	OR OLD.batch_id IS NOT NEW.batch_id OR OLD.amount IS NOT NEW.amount OR OLD.created_at IS NOT NEW.created_at BEGIN
	UPDATE disbursement_day_counts SET n = n - 1, total = total - OLD.amount
	WHERE day = date(OLD.created_at, '+7 hours') AND status = OLD.status AND recipient_bank = OLD.recipient_bank
		AND maker_id = OLD.maker_id AND batch_id = coalesce(OLD.batch_id, 0);
	INSERT INTO disbursement_day_counts (day, status, recipient_bank, maker_id, batch_id, n, total)
	VALUES (date(NEW.created_at, '+7 hours'), NEW.status, NEW.recipient_bank, NEW.maker_id, coalesce(NEW.batch_id, 0), 1, NEW.amount)
	ON CONFLICT (day, status, recipient_bank, maker_id, batch_id) DO UPDATE SET n = n + 1, total = total + excluded.total;
END;
CREATE TRIGGER disbursements_count_delete AFTER DELETE ON disbursements BEGIN
	UPDATE disbursement_day_counts SET n = n - 1, total = total - OLD.amount
	WHERE day = date(OLD.created_at, '+7 hours') AND status = OLD.status AND recipient_bank = OLD.recipient_bank
		AND maker_id = OLD.maker_id AND batch_id = coalesce(OLD.batch_id, 0);
END;
`},
	{12, "prefix search on disbursement references, amount ranges counted by index", `
CREATE INDEX disbursements_trx_id ON disbursements(trx_id) WHERE trx_id <> '';
CREATE INDEX disbursements_amount ON disbursements(amount);
DROP INDEX disbursements_account;
CREATE INDEX disbursements_account ON disbursements(recipient_account, id);
`},
	{30, "sign-in attempts counted before the password check", `
CREATE TABLE login_attempts (
	id INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	ip TEXT NOT NULL,
	at DATETIME NOT NULL
);
CREATE INDEX login_attempts_account ON login_attempts(account, at);
CREATE INDEX login_attempts_ip ON login_attempts(ip, at);
CREATE INDEX login_attempts_at ON login_attempts(at);
`},
	{31, "second factor: sealed TOTP secret, session check time, recovery codes", `
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at DATETIME;
ALTER TABLE sessions ADD COLUMN second_factor_at DATETIME;
CREATE TABLE recovery_codes (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	code_hash TEXT NOT NULL,
	used_at DATETIME,
	created_at DATETIME NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id, code_hash);
`},
	{50, "four eyes: change requests one admin asks for and another approves", `
CREATE TABLE change_requests (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	summary TEXT NOT NULL,
	user_id INTEGER REFERENCES users(id),
	name TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	setting_key TEXT NOT NULL DEFAULT '',
	setting_value TEXT NOT NULL DEFAULT '',
	before_value TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	requested_by_id INTEGER NOT NULL REFERENCES users(id),
	requested_by_email TEXT NOT NULL,
	requested_at DATETIME NOT NULL,
	decided_by_id INTEGER REFERENCES users(id),
	decided_by_email TEXT NOT NULL DEFAULT '',
	decided_at DATETIME,
	note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX change_requests_one_pending ON change_requests(kind, subject) WHERE status = 'pending';
CREATE INDEX change_requests_status ON change_requests(status, id);
`},
	// Versions 55-59 belong to money safety (issue 16).
	{55, "money safety: success counted by when it succeeded, batch approvals, names in files, duplicate files", `
CREATE INDEX disbursements_final ON disbursements(status, final_at) WHERE final_at IS NOT NULL;
CREATE TABLE batch_approvals (
	id INTEGER PRIMARY KEY,
	batch_id INTEGER NOT NULL REFERENCES disbursement_batches(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	user_email TEXT NOT NULL,
	at DATETIME NOT NULL,
	UNIQUE (batch_id, user_id)
);
ALTER TABLE batch_rows ADD COLUMN name_in_file TEXT NOT NULL DEFAULT '';
ALTER TABLE disbursement_batches ADD COLUMN file_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE disbursement_batches ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 1;
CREATE INDEX disbursement_batches_file ON disbursement_batches(file_sha256, created_at);
`},
	// Versions 60-64: refused callbacks cannot fill the disk (docs/callbacks.md).
	{60, "refused callbacks kept as truncated samples", `
ALTER TABLE callbacks ADD COLUMN truncated_from INTEGER NOT NULL DEFAULT 0;
`},
	{61, "refused callbacks counted per WIB day instead of stored", `
CREATE TABLE callback_refusals (
	day TEXT NOT NULL,
	what TEXT NOT NULL,
	provider TEXT NOT NULL,
	kind TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (day, what, provider, kind)
);
INSERT INTO callback_refusals (day, what, provider, kind, n)
SELECT '', 'oversize', substr(name, 10, instr(name, '/') - 10), substr(name, instr(name, '/') + 1), value
FROM callback_counters WHERE name LIKE 'oversize:%/%';
`},
	// Virtual accounts (issue 17): versions 70–79.
	{70, "virtual accounts, their payments, create requests and sync runs", `
CREATE TABLE virtual_accounts (
	id INTEGER PRIMARY KEY,
	oy_id TEXT NOT NULL UNIQUE,
	va_number TEXT NOT NULL,
	bank_code TEXT NOT NULL,
	partner_user_id TEXT NOT NULL DEFAULT '',
	username_display TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL DEFAULT 0,
	amount_detected INTEGER NOT NULL DEFAULT 0,
	is_open INTEGER NOT NULL DEFAULT 1,
	is_single_use INTEGER NOT NULL DEFAULT 0,
	is_lifetime INTEGER NOT NULL DEFAULT 0,
	expires_at DATETIME,
	status TEXT NOT NULL,
	source TEXT NOT NULL,
	created_by_email TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	checked_at DATETIME
);
CREATE INDEX virtual_accounts_number ON virtual_accounts(va_number, id);
CREATE INDEX virtual_accounts_puid ON virtual_accounts(partner_user_id, id);
CREATE INDEX virtual_accounts_status ON virtual_accounts(status, id);
CREATE INDEX virtual_accounts_bank ON virtual_accounts(bank_code, id);
CREATE INDEX virtual_accounts_created ON virtual_accounts(created_at);
CREATE TABLE va_payments (
	id INTEGER PRIMARY KEY,
	virtual_account_id INTEGER NOT NULL REFERENCES virtual_accounts(id),
	oy_trx_id TEXT NOT NULL DEFAULT '',
	dedup_key TEXT NOT NULL UNIQUE,
	paid_at DATETIME NOT NULL,
	amount INTEGER NOT NULL,
	admin_fee INTEGER,
	callback_id INTEGER REFERENCES callbacks(id),
	source TEXT NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE INDEX va_payments_va ON va_payments(virtual_account_id, paid_at);
CREATE INDEX va_payments_paid ON va_payments(paid_at);
CREATE TABLE va_creates (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	partner_user_id TEXT NOT NULL,
	bank_code TEXT NOT NULL,
	params TEXT NOT NULL,
	virtual_account_id INTEGER REFERENCES virtual_accounts(id),
	message TEXT NOT NULL DEFAULT '',
	actor_email TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX va_creates_status ON va_creates(status, id);
CREATE TABLE va_sync_runs (
	id INTEGER PRIMARY KEY,
	started_at DATETIME NOT NULL,
	finished_at DATETIME,
	seen INTEGER NOT NULL DEFAULT 0,
	imported INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT ''
);
`},
	{80, "payment links and invoices, with their timelines", `
CREATE TABLE checkouts (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	partner_tx_id TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	sender_name TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL DEFAULT 0,
	email TEXT NOT NULL DEFAULT '',
	phone_number TEXT NOT NULL DEFAULT '',
	is_open INTEGER NOT NULL DEFAULT 0,
	step TEXT NOT NULL DEFAULT '',
	include_admin_fee INTEGER NOT NULL DEFAULT 0,
	disabled_payment_methods TEXT NOT NULL DEFAULT '',
	enabled_banks TEXT NOT NULL DEFAULT '',
	expiration DATETIME,
	partner_user_id TEXT NOT NULL DEFAULT '',
	full_name TEXT NOT NULL DEFAULT '',
	is_va_lifetime INTEGER NOT NULL DEFAULT 0,
	items_json TEXT NOT NULL DEFAULT '',
	attachment_name TEXT NOT NULL DEFAULT '',
	attachment TEXT NOT NULL DEFAULT '',
	url TEXT NOT NULL DEFAULT '',
	payment_link_id TEXT NOT NULL DEFAULT '',
	email_status TEXT NOT NULL DEFAULT '',
	oy_message TEXT NOT NULL DEFAULT '',
	paid_amount INTEGER NOT NULL DEFAULT 0,
	payment_method TEXT NOT NULL DEFAULT '',
	sender_bank TEXT NOT NULL DEFAULT '',
	va_number TEXT NOT NULL DEFAULT '',
	tx_ref_number TEXT NOT NULL DEFAULT '',
	payer_name TEXT NOT NULL DEFAULT '',
	paid_at DATETIME,
	recurring_id INTEGER,
	recurring_period INTEGER,
	catch_up INTEGER NOT NULL DEFAULT 0,
	source TEXT NOT NULL DEFAULT '',
	maker_id INTEGER,
	maker_email TEXT NOT NULL DEFAULT '',
	sent_at DATETIME,
	checks INTEGER NOT NULL DEFAULT 0,
	next_check_at DATETIME,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX checkouts_kind ON checkouts(kind, id);
CREATE INDEX checkouts_kind_status ON checkouts(kind, status, id);
CREATE INDEX checkouts_created ON checkouts(created_at);
CREATE INDEX checkouts_paid ON checkouts(paid_at);
CREATE INDEX checkouts_next_check ON checkouts(next_check_at);
CREATE UNIQUE INDEX checkouts_period ON checkouts(recurring_id, recurring_period);
CREATE TABLE checkout_events (
	id INTEGER PRIMARY KEY,
	checkout_id INTEGER NOT NULL REFERENCES checkouts(id),
	at DATETIME NOT NULL,
	source TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',
	callback_id INTEGER,
	actor_email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checkout_events_checkout ON checkout_events(checkout_id, id);
`},
	{81, "recurring invoice templates", `
CREATE TABLE recurring_invoices (
	id INTEGER PRIMARY KEY,
	status TEXT NOT NULL,
	template_json TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL DEFAULT 0,
	start_date TEXT NOT NULL,
	end_date TEXT NOT NULL DEFAULT '',
	every_days INTEGER NOT NULL DEFAULT 0,
	month_day INTEGER NOT NULL DEFAULT 0,
	next_period INTEGER NOT NULL DEFAULT 0,
	maker_id INTEGER,
	maker_email TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX recurring_invoices_status ON recurring_invoices(status, id);
`},
	{90, "linked OVO accounts and their payments", `
CREATE TABLE ovo_accounts (
	id INTEGER PRIMARY KEY,
	provider TEXT NOT NULL CHECK (provider IN ('faspay','doku')),
	customer_name TEXT NOT NULL,
	phone TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending','linked','unlinked','failed')),
	state_reason TEXT NOT NULL DEFAULT '',
	cust_id TEXT NOT NULL DEFAULT '',
	binding_ref TEXT NOT NULL DEFAULT '',
	redirect_url TEXT NOT NULL DEFAULT '',
	customer_token TEXT NOT NULL DEFAULT '',
	linked_at DATETIME,
	unlinked_at DATETIME,
	cash INTEGER,
	points INTEGER,
	balance_at DATETIME,
	callback_id INTEGER,
	maker_id INTEGER NOT NULL REFERENCES users(id),
	maker_email TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX ovo_accounts_one_live ON ovo_accounts(provider, phone) WHERE state IN ('pending','linked');
CREATE INDEX ovo_accounts_phone ON ovo_accounts(phone, id);
CREATE INDEX ovo_accounts_state ON ovo_accounts(state, id);
CREATE INDEX ovo_accounts_provider ON ovo_accounts(provider, id);
CREATE INDEX ovo_accounts_cust ON ovo_accounts(cust_id) WHERE cust_id <> '';
CREATE TABLE ovo_payments (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES ovo_accounts(id),
	provider TEXT NOT NULL,
	ref TEXT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	provider_ref TEXT NOT NULL DEFAULT '',
	amount INTEGER NOT NULL CHECK (amount > 0),
	description TEXT NOT NULL DEFAULT '',
	pay_type TEXT NOT NULL DEFAULT '',
	form_key TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	code TEXT NOT NULL DEFAULT '',
	code_text TEXT NOT NULL DEFAULT '',
	redirect_url TEXT NOT NULL DEFAULT '',
	regenerate_url TEXT NOT NULL DEFAULT '',
	callback_id INTEGER,
	maker_id INTEGER NOT NULL REFERENCES users(id),
	maker_email TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX ovo_payments_ref ON ovo_payments(provider, ref);
CREATE INDEX ovo_payments_account ON ovo_payments(account_id, id);
CREATE UNIQUE INDEX ovo_payments_form_key ON ovo_payments(form_key) WHERE form_key <> '';
`},
	{100, "OVO top-ups through Ayopop: drafts, top-ups, approvals, timeline, deposit readings", `
CREATE TABLE topup_drafts (
	key TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	phone TEXT NOT NULL,
	product_code TEXT NOT NULL,
	product_name TEXT NOT NULL DEFAULT '',
	open_amount INTEGER NOT NULL DEFAULT 0,
	amount INTEGER NOT NULL,
	admin_fee INTEGER NOT NULL DEFAULT 0,
	customer_name TEXT NOT NULL DEFAULT '',
	inquiry_id INTEGER NOT NULL,
	ref_number TEXT NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE TABLE topups (
	id INTEGER PRIMARY KEY,
	ref_number TEXT NOT NULL UNIQUE,
	draft_key TEXT UNIQUE,
	phone TEXT NOT NULL,
	product_code TEXT NOT NULL,
	product_name TEXT NOT NULL DEFAULT '',
	open_amount INTEGER NOT NULL DEFAULT 0,
	amount INTEGER NOT NULL,
	admin_fee INTEGER NOT NULL DEFAULT 0,
	customer_name TEXT NOT NULL DEFAULT '',
	inquiry_id INTEGER NOT NULL,
	code TEXT NOT NULL DEFAULT '',
	provider_message TEXT NOT NULL DEFAULT '',
	transaction_id TEXT NOT NULL DEFAULT '',
	serial_number TEXT NOT NULL DEFAULT '',
	paid_at DATETIME,
	status TEXT NOT NULL,
	maker_id INTEGER NOT NULL REFERENCES users(id),
	maker_email TEXT NOT NULL,
	approvals_needed INTEGER NOT NULL DEFAULT 0,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	sent_at DATETIME,
	final_at DATETIME,
	next_poll_at DATETIME,
	polls INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX topups_status ON topups(status, id);
CREATE INDEX topups_product ON topups(product_code, id);
CREATE INDEX topups_phone ON topups(phone, id);
CREATE INDEX topups_transaction ON topups(transaction_id);
CREATE INDEX topups_created ON topups(created_at);
CREATE INDEX topups_next_poll ON topups(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE TABLE topup_approvals (
	id INTEGER PRIMARY KEY,
	topup_id INTEGER NOT NULL REFERENCES topups(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	user_email TEXT NOT NULL,
	decision TEXT NOT NULL CHECK (decision IN ('approve','reject')),
	reason TEXT NOT NULL DEFAULT '',
	at DATETIME NOT NULL,
	UNIQUE (topup_id, user_id)
);
CREATE TABLE topup_events (
	id INTEGER PRIMARY KEY,
	topup_id INTEGER NOT NULL REFERENCES topups(id),
	at DATETIME NOT NULL,
	source TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL,
	code TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',
	callback_id INTEGER REFERENCES callbacks(id),
	actor_email TEXT NOT NULL DEFAULT ''
);
CREATE INDEX topup_events_topup ON topup_events(topup_id, id);
CREATE TABLE ayopop_balance_readings (
	id INTEGER PRIMARY KEY,
	at DATETIME NOT NULL,
	balance INTEGER NOT NULL,
	actor_email TEXT NOT NULL DEFAULT ''
);
`},
	// Version 110: overview charts (money in and out per WIB day).
	{110, "overview charts: succeeded top-ups and paid OVO charges by time", `
CREATE INDEX topups_final ON topups(status, final_at) WHERE final_at IS NOT NULL;
CREATE INDEX ovo_payments_status_updated ON ovo_payments(status, updated_at);
`},
	// Version 130: each person's language ('' follows the browser).
	{130, "users: language", `
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';
`},
	// Version 140: leases on background work, so each loop runs on one
	// replica at a time (docs/postgres.md, "Leases"). expires_ms is the
	// database's clock in Unix milliseconds.
	{140, "leases on background work", `
CREATE TABLE leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	taken_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL
);
`},
	// Version 145: on PostgreSQL callback ids come from the sequence (other
	// replicas write callbacks too); the writer used to number them itself,
	// so the sequence moves past the ids already given. SQLite's writer
	// still numbers them itself: nothing to do there.
	{145, "callbacks: ids from the sequence on PostgreSQL", `
SELECT 1;
`},
	// Version 170: on PostgreSQL the callback day counters are kept by
	// statement triggers (one upsert per counter a statement touches, from
	// its transition tables) instead of row triggers (one per row): the
	// worker's grouped status update of a hundred callbacks no longer
	// rewrites the same counter row a hundred times. SQLite keeps its row
	// triggers (a row update there is cheap and has no versions).
	{170, "callback day counters: statement triggers on PostgreSQL", `
SELECT 1;
`},
}

// Migrate brings the database up to the current schema. Each step runs in
// its own transaction with its version row, so a crash leaves the database
// at a whole step; running it again on a current database does nothing.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	w := s.db.Write.WithContext(ctx)
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DATETIME NOT NULL)`
	if s.d.pg {
		create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`
	}
	if err := w.Exec(create).Error; err != nil {
		return 0, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	lock := "schema_migrations"
	if s.d.pg {
		if err := checkPostgresCollation(w); err != nil {
			return 0, err
		}
		var schema string
		if err := w.Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
			return 0, fmt.Errorf("store: read schema: %w", err)
		}
		lock += " " + schema
	}
	for _, m := range migrations {
		q, err := m.sqlFor(s.d)
		if err != nil {
			return applied, fmt.Errorf("store: migration %d (%s): %w", m.Version, m.Name, err)
		}
		err = w.Transaction(func(tx *gorm.DB) error {
			// Replicas starting together on PostgreSQL take turns; SQLite's
			// single writer already does.
			if err := s.d.lockKey(tx, lock); err != nil {
				return err
			}
			var n int64
			if err := tx.Raw("SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return errAlreadyApplied
			}
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().UTC()).Error
		})
		if err == errAlreadyApplied {
			continue
		}
		if err != nil {
			return applied, fmt.Errorf("store: migration %d (%s): %w", m.Version, m.Name, err)
		}
		applied++
	}
	return applied, nil
}

// SchemaVersion is the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.Read.WithContext(ctx).Raw("SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v).Error
	return v, err
}

// LatestVersion is the newest migration this build knows, so a cached
// benchmark database can be keyed by schema.
func LatestVersion() int { return migrations[len(migrations)-1].Version }

// checkPostgresCollation refuses a PostgreSQL database whose text does not
// sort byte by byte, as SQLite's does: reference prefix searches walk an
// index as a range of bytes, and list orders must not change with the
// server's locale.
func checkPostgresCollation(w *gorm.DB) error {
	var coll string
	if err := w.Raw("SELECT datcollate FROM pg_database WHERE datname = current_database()").Scan(&coll).Error; err != nil {
		return fmt.Errorf("store: read database collation: %w", err)
	}
	switch strings.ToLower(coll) {
	case "c", "posix", "c.utf8", "c.utf-8":
		return nil
	}
	return fmt.Errorf("store: the PostgreSQL database sorts text by locale %q; the dashboard needs byte order (C): "+
		"create it with CREATE DATABASE name TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' (docs/postgres.md)", coll)
}
