package oy

import "slices"

// Bank is one entry of OY's "Disbursement Bank Codes" table.
type Bank struct {
	Code    string // "014", or "ovo", "dana", … for e-wallets
	Name    string
	EWallet bool
}

// Banks is the documented disbursement bank-code list, in the page's order.
var Banks = []Bank{
	{"002", "Bank BRI", false},
	{"008", "Bank Mandiri", false},
	{"009", "Bank BNI", false},
	{"011", "Bank Danamon", false},
	{"013", "Bank Permata", false},
	{"014", "Bank BCA", false},
	{"016", "BII Maybank", false},
	{"019", "Bank Panin", false},
	{"022", "CIMB Niaga", false},
	{"023", "Bank UOB INDONESIA", false},
	{"028", "Bank OCBC NISP", false},
	{"031", "CITIBANK", false},
	{"036", "Bank Windu Kentjana International", false},
	{"037", "Bank ARTHA GRAHA", false},
	{"042", "Bank TOKYO MITSUBISHI UFJ", false},
	{"046", "Bank DBS", false},
	{"050", "Standard Chartered", false},
	{"054", "Bank CAPITAL", false},
	{"061", "ANZ Indonesia", false},
	{"069", "Bank OF CHINA", false},
	{"076", "Bank Bumi Arta", false},
	{"087", "Bank HSBC", false},
	{"088", "Bank Antardaerah", false},
	{"089", "Bank Rabobank", false},
	{"095", "Bank JTRUST INDONESIA", false},
	{"097", "Bank MAYAPADA", false},
	{"110", "Bank Jawa Barat", false},
	{"111", "Bank DKI", false},
	{"112", "Bank BPD DIY", false},
	{"113", "Bank JATENG", false},
	{"114", "Bank Jatim", false},
	{"115", "Bank Jambi", false},
	{"116", "Bank Aceh", false},
	{"117", "Bank SUMUT", false},
	{"118", "Bank NAGARI", false},
	{"119", "Bank Riau", false},
	{"120", "Bank SUMSEL BABEL", false},
	{"121", "Bank Lampung", false},
	{"122", "Bank KALSEL", false},
	{"123", "Bank KALBAR", false},
	{"124", "Bank BPD Kaltim", false},
	{"125", "Bank BPD Kalteng", false},
	{"126", "Bank SULSELBAR", false},
	{"127", "Bank Sulut", false},
	{"128", "Bank NTB", false},
	{"129", "Bank BPD Bali", false},
	{"130", "Bank NTT", false},
	{"131", "Bank Maluku", false},
	{"132", "Bank BPD Papua", false},
	{"134", "Bank SULTENG", false},
	{"135", "Bank Sultra", false},
	{"137", "Bank BANTEN", false},
	{"145", "Bank Nusantara Parahyangan", false},
	{"146", "Bank Of India Indonesia", false},
	{"147", "Bank Muamalat", false},
	{"151", "Bank Mestika", false},
	{"152", "Bank SHINHAN", false},
	{"153", "Bank Sinarmas", false},
	{"157", "Bank Maspion", false},
	{"161", "Bank Ganesha", false},
	{"164", "Bank ICBC", false},
	{"167", "Bank QNB indonesia", false},
	{"200", "Bank BTN", false},
	{"212", "Bank Woori Saudara", false},
	{"213", "Bank BTPN", false},
	{"405", "Bank Victoria Syariah", false},
	{"422", "Bank BRI Syariah", false},
	{"425", "Bank Jabar Banten Syariah", false},
	{"426", "Bank Mega", false},
	{"427", "Bank BNI SYARIAH", false},
	{"441", "Bank Bukopin", false},
	{"451", "Bank Syariah Mandiri", false},
	{"472", "Bank Jasa Jakarta", false},
	{"484", "Bank KEB HANA", false},
	{"485", "Bank MNC INTERNATIONAL", false},
	{"490", "Bank YUDHA BHAKTI", false},
	{"494", "Bank Rakyat Indonesia AGRONIAGA", false},
	{"498", "Bank SBI Indonesia (Indomonex)", false},
	{"501", "Bank Royal", false},
	{"503", "Bank National Nobu", false},
	{"506", "Bank MEGA SYARIAH", false},
	{"513", "Bank INA", false},
	{"517", "Bank PANIN SYARIAH", false},
	{"520", "PRIMA MASTER BANK", false},
	{"521", "Bank SYARIAH BUKOPIN", false},
	{"523", "Bank Sahabat Sampoerna", false},
	{"526", "Bank DINAR", false},
	{"535", "Bank KESEJAHTERAAN EKONOMI", false},
	{"536", "Bank BCA SYARIAH", false},
	{"542", "Bank ARTOS", false},
	{"547", "Bank BTPN SYARIAH", false},
	{"548", "Bank MULTIARTA SENTOSA", false},
	{"553", "Bank Mayora", false},
	{"555", "Bank INDEX", false},
	{"559", "CNB", false},
	{"564", "Bank MANTAP", false},
	{"566", "Bank VICTORIA INTL", false},
	{"567", "HARDA", false},
	{"945", "IBK", false},
	{"949", "Bank CTBC Indonesia", false},
	{"950", "Bank COMMONWEALTH", false},
	{"ovo", "OVO", true},
	{"linkaja", "LinkAja", true},
	{"dana", "Dana", true},
	{"gopay", "Gopay", true},
}

// VABanks is the "VA aggregator Bank Code" table.
var VABanks = []Bank{
	{"002", "Bank BRI", false},
	{"013", "Bank Permata", false},
	{"022", "Bank CIMB Niaga", false},
	{"008", "Bank Mandiri", false},
	{"009", "Bank BNI", false},
	{"014", "Bank BCA", false},
}

// CheckoutVABanks are the banks list_enabled_banks accepts for payment
// checkout and invoices.
var CheckoutVABanks = []string{"002", "008", "009", "013", "022"}

// LookupBank finds a disbursement bank by code ("014", "ovo").
func LookupBank(code string) (Bank, bool) {
	i := slices.IndexFunc(Banks, func(b Bank) bool { return b.Code == code })
	if i < 0 {
		return Bank{}, false
	}
	return Banks[i], true
}

// LookupVABank finds a VA aggregator bank by code.
func LookupVABank(code string) (Bank, bool) {
	i := slices.IndexFunc(VABanks, func(b Bank) bool { return b.Code == code })
	if i < 0 {
		return Bank{}, false
	}
	return VABanks[i], true
}

// BankName returns the bank's name, or the code itself when unknown.
func BankName(code string) string {
	if b, ok := LookupBank(code); ok {
		return b.Name
	}
	return code
}

func sortStrings(s []string) { slices.Sort(s) }
