package models

// CallbackRefusal is what became of a refused callback request that was
// not stored whole; the callback log shows how many of each.
type CallbackRefusal string

const (
	// RefusalOversize: the body was over the size limit (413), not stored.
	RefusalOversize CallbackRefusal = "oversize"
	// RefusalSampled: past its source's budget, only the body's first bytes
	// were stored, marked truncated.
	RefusalSampled CallbackRefusal = "sampled"
	// RefusalOverBudget: past its source's budget and samples, not stored.
	RefusalOverBudget CallbackRefusal = "over_budget"
	// RefusalDiskLow: free disk space was below the floor, not stored.
	RefusalDiskLow CallbackRefusal = "disk_low"
)
