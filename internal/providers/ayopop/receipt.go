package ayopop

// Ayopop's page requires this note on every OVO top-up receipt, in both
// languages, word for word.
const (
	ReceiptNoteID = "SALDO OVO CASH ANDA AKAN DIPOTONG BIAYA ADMIN RP 2.000"
	ReceiptNoteEN = "YOUR OVO CASH BALANCE WILL BE DEDUCTED WITH RP 2.000 ADMIN FEE"
)

// OVOReceiptNote returns the admin-fee note an OVO top-up receipt must carry:
// ID in Indonesian, EN in English.
func OVOReceiptNote() Message {
	return Message{ID: ReceiptNoteID, EN: ReceiptNoteEN}
}
