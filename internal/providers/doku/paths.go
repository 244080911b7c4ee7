package doku

// Endpoint names one DOKU operation; its path depends on the PathSet.
type Endpoint int

const (
	EndpointTokenB2B Endpoint = iota
	EndpointTokenB2B2C
	EndpointBinding
	EndpointBalance
	EndpointPayment
	EndpointUnbinding
)

func (e Endpoint) String() string {
	switch e {
	case EndpointTokenB2B:
		return "access-token-b2b"
	case EndpointTokenB2B2C:
		return "access-token-b2b2c"
	case EndpointBinding:
		return "account-binding"
	case EndpointBalance:
		return "balance-inquiry"
	case EndpointPayment:
		return "payment"
	case EndpointUnbinding:
		return "account-unbinding"
	}
	return "unknown"
}

// PathSet chooses between DOKU's two published path families.
type PathSet string

const (
	// PathSetCurrent is what DOKU's current docs and official Go SDK use
	// (/direct-debit/core/v1/...). The default.
	PathSetCurrent PathSet = "core"
	// PathSetArchived is the archived OVO Open API page
	// (/direct-debit/merchant/ovo/v1.0/...). Its unbinding path is copied as
	// published, without "merchant".
	PathSetArchived PathSet = "merchant-ovo"
)

// paths is the one table of DOKU paths. Token paths are shared by both sets.
var paths = map[PathSet]map[Endpoint]string{
	PathSetCurrent: {
		EndpointTokenB2B:   "/authorization/v1/access-token/b2b",
		EndpointTokenB2B2C: "/authorization/v1/access-token/b2b2c",
		EndpointBinding:    "/direct-debit/core/v1/registration-account-binding",
		EndpointBalance:    "/direct-debit/core/v1/balance-inquiry",
		EndpointPayment:    "/direct-debit/core/v1/debit/payment-host-to-host",
		EndpointUnbinding:  "/direct-debit/core/v1/registration-account-unbinding",
	},
	PathSetArchived: {
		EndpointTokenB2B:   "/authorization/v1/access-token/b2b",
		EndpointTokenB2B2C: "/authorization/v1/access-token/b2b2c",
		EndpointBinding:    "/direct-debit/merchant/ovo/v1.0/registration-account-binding",
		EndpointBalance:    "/direct-debit/merchant/ovo/v1.0/balance-inquiry",
		EndpointPayment:    "/direct-debit/merchant/ovo/v1.0/payment-host-to-host",
		EndpointUnbinding:  "/direct-debit/ovo/v1.0/registration-account-unbinding",
	},
}

// Path returns the relative path of e in set s (the current set when s is
// empty or unknown).
func Path(s PathSet, e Endpoint) string {
	set, ok := paths[s]
	if !ok {
		set = paths[PathSetCurrent]
	}
	return set[e]
}

// PathSets lists the known sets, for the sandbox which serves them all.
func PathSets() []PathSet { return []PathSet{PathSetCurrent, PathSetArchived} }

// Merchant-side paths DOKU calls, relative to the merchant's notification base.
const (
	MerchantTokenPath  = "/v1.0/access-token/b2b"
	MerchantNotifyPath = "/v1.0/debit/notify"
)

// ChannelOVO is additionalInfo.channel for OVO in DOKU's direct-debit API.
const ChannelOVO = "EMONEY_OVO_SNAP"
