package i18n

import "regexp"

// EnglishTells are words of the dashboard's own English labels that no
// Indonesian label uses. Tests look for them in the labels, headings,
// buttons and table headers of pages shown in Indonesian (never in data,
// which keeps the words it was written in).
var EnglishTells = regexp.MustCompile(`\b(?:Amount|Created|Approve|Approved|Reject|Rejected|Recipient|Reference|Cancel|Save|Choose|Enter|Waiting|Succeeded|Failed|Pending|Balance|Disbursements?|Invoices?|Settings|Search|Download|Upload|Submit|Name|Date|Time|Phone|Note|Sign in|Sign out|Password|Back to|Next|Previous|New|Refresh|Delete|Show|Hide|Anyone|Made by|Paid|Unpaid|Expired|Linked|Unlinked|Payment|Customer|Received|Verified|Overview|Staff|Records|Export|Bank account|Account number|Requested|Decided|Withdraw|Resend|Unknown|Duplicate|Attempts|Reason|Summary|Action|Actor)\b`)
