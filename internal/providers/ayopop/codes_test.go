package ayopop

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		code  int
		class Class
		state State
	}{
		{0, ClassSuccess, StateSuccess},
		{99, ClassSuccess, StateUnknown},
		{100, ClassFailed, StateUnknown},
		{101, ClassFailed, StateUnknown},
		{199, ClassFailed, StateUnknown},
		{200, ClassPending, StateUnknown},
		{299, ClassPending, StatePending},
		{300, ClassInquiryOK, StateUnknown},
		{301, ClassInquiryFailed, StateUnknown},
		{399, ClassInquiryFailed, StateUnknown},
		{400, ClassUnknown, StateUnknown},
		{-1, ClassUnknown, StateUnknown},
		{999, ClassUnknown, StateUnknown},
	}
	for _, c := range cases {
		if got := Classify(c.code); got != c.class {
			t.Errorf("Classify(%d) = %v, want %v", c.code, got, c.class)
		}
		if got := StateOf(c.code); got != c.state {
			t.Errorf("StateOf(%d) = %v, want %v", c.code, got, c.state)
		}
	}
	if FailureIsFinal {
		t.Fatal("failure codes must stay non-final until Ayopop confirms the ranges")
	}
}

func TestEveryCodeHasAClerkSentence(t *testing.T) {
	for code, msg := range codeMessages {
		if msg == "" || !strings.HasSuffix(msg, ".") {
			t.Errorf("code %d: %q is not a sentence", code, msg)
		}
		if got := CodeMessage(code); got != msg {
			t.Errorf("CodeMessage(%d) = %q", code, got)
		}
	}
	for _, code := range []int{CodeSuccess, CodeProcessing, CodeInquirySuccess} {
		if _, ok := codeMessages[code]; !ok {
			t.Errorf("documented code %d has no sentence", code)
		}
	}
	for _, c := range []struct {
		code int
		want string
	}{
		{150, "failed (code 150)"},
		{250, "pending (code 250)"},
		{350, "refused the inquiry (code 350)"},
		{777, "code we do not know (code 777)"},
	} {
		if got := CodeMessage(c.code); !strings.Contains(got, c.want) {
			t.Errorf("CodeMessage(%d) = %q, want it to contain %q", c.code, got, c.want)
		}
	}
}

func TestStatusCheckDelayIsAyopopsAdvice(t *testing.T) {
	if StatusCheckDelay.Seconds() != 150 {
		t.Fatalf("StatusCheckDelay = %v", StatusCheckDelay)
	}
}

func TestOVOReceiptNoteIsTheTextOfThePage(t *testing.T) {
	n := OVOReceiptNote()
	if n.ID != "SALDO OVO CASH ANDA AKAN DIPOTONG BIAYA ADMIN RP 2.000" {
		t.Errorf("ID = %q", n.ID)
	}
	if n.EN != "YOUR OVO CASH BALANCE WILL BE DEDUCTED WITH RP 2.000 ADMIN FEE" {
		t.Errorf("EN = %q", n.EN)
	}
}
