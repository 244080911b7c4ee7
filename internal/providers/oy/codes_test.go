package oy_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
)

// docTable reads "code State Meaning" rows of a response-code table in the
// OY page, between the header line and the next blank-line-separated title.
func docTable(t *testing.T, header string) map[string]string {
	t.Helper()
	// Copied verbatim from the OY page's response-code tables.
	f, err := os.Open("testdata/response_codes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]string{}
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, header) {
			in = true
			continue
		}
		if in {
			fields := strings.Fields(line)
			if len(fields) < 2 || len(fields[0]) != 3 {
				if len(rows) > 0 {
					break
				}
				continue
			}
			rows[fields[0]] = fields[1]
		}
	}
	if len(rows) == 0 {
		t.Fatalf("table %q not found", header)
	}
	return rows
}

func TestEveryDocumentedDisbursementCodeIsClassified(t *testing.T) {
	rows := docTable(t, "Payment Status State Meaning")
	for code, state := range rows {
		ci := oy.Describe(code)
		if ci.Meaning == "Unknown code" {
			t.Errorf("%s not in the table", code)
		}
		if want := state == "Final"; oy.IsFinal(code) != want {
			t.Errorf("%s: IsFinal=%v, page says %s", code, oy.IsFinal(code), state)
		}
		if ci.Clerk == "" {
			t.Errorf("%s has no clerk sentence", code)
		}
	}
	for _, code := range []string{"206", "211", "225", "257", "264", "429", "504", "212", "213", "214"} {
		if oy.Describe(code).Meaning == "Unknown code" || oy.Describe(code).Clerk == "" {
			t.Errorf("%s from CONTRACT-NOTES is not classified", code)
		}
	}
	if !oy.Succeeded("000") || oy.Succeeded("101") || !oy.Failed("300") || oy.Failed("301") || oy.IsFinal("301") {
		t.Error("helpers disagree with the page")
	}
	if u := oy.Describe("888"); u.Final || u.Success || !strings.Contains(u.Clerk, "888") || u.Outcome() != provider.Unknown {
		t.Errorf("unknown code must be non-final: %+v", u)
	}
	for code, want := range map[string]provider.Outcome{"101": provider.Pending, "301": provider.Pending, "257": provider.Pending,
		"999": provider.Unknown, "504": provider.Unknown, "209": provider.Rejected, "300": provider.Rejected} {
		if got := oy.Describe(code).Outcome(); got != want {
			t.Errorf("%s outcome %s want %s", code, got, want)
		}
	}
	if len(oy.Codes()) < len(rows) {
		t.Errorf("Codes() lists %d", len(oy.Codes()))
	}
}

func TestEveryDocumentedVACodeIsClassified(t *testing.T) {
	rows := docTable(t, "VA Aggregator Response Codes")
	for code, state := range rows {
		ci := oy.DescribeVA(code)
		if ci.Meaning == "Unknown code" || ci.Clerk == "" {
			t.Errorf("VA %s not classified", code)
		}
		if (state == "Final") != ci.Final {
			t.Errorf("VA %s final=%v page %s", code, ci.Final, state)
		}
	}
	if oy.DescribeVA("211").Clerk == oy.Describe("211").Clerk {
		t.Error("211 means something else for VAs")
	}
}

func TestBanks(t *testing.T) {
	// Copied verbatim from the page's "Disbursement Bank Codes" table.
	lines := strings.Split(strings.TrimSpace(string(fixture(t, "bank_codes.txt"))), "\n")[1:]
	if len(oy.Banks) != len(lines) {
		t.Errorf("%d banks, the page lists %d", len(oy.Banks), len(lines))
	}
	for i, line := range lines {
		code, name, _ := strings.Cut(line, " ")
		if i < len(oy.Banks) && (oy.Banks[i].Code != code || oy.Banks[i].Name != name) {
			t.Errorf("row %d: page %q, table %+v", i, line, oy.Banks[i])
		}
	}
	seen := map[string]bool{}
	for _, b := range oy.Banks {
		if seen[b.Code] || b.Name == "" {
			t.Errorf("bad entry %+v", b)
		}
		seen[b.Code] = true
	}
	for code, want := range map[string]string{"014": "Bank BCA", "002": "Bank BRI", "950": "Bank COMMONWEALTH", "gopay": "Gopay", "ovo": "OVO"} {
		b, ok := oy.LookupBank(code)
		if !ok || b.Name != want || b.EWallet != (code[0] > '9') {
			t.Errorf("%s: %+v %v", code, b, ok)
		}
	}
	if _, ok := oy.LookupBank("000"); ok {
		t.Error("000 is no bank")
	}
	if oy.BankName("xyz") != "xyz" || oy.BankName("008") != "Bank Mandiri" {
		t.Error("BankName")
	}
	if _, ok := oy.LookupVABank("014"); !ok {
		t.Error("BCA is a VA bank")
	}
	if _, ok := oy.LookupVABank("011"); ok {
		t.Error("Danamon is no VA bank")
	}
}
