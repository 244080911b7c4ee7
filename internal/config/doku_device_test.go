package config

import (
	"strings"
	"testing"
)

func TestDokuDeviceSettings(t *testing.T) {
	load := func(env map[string]string) (*Config, error) { return Load(func(k string) string { return env[k] }) }
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Doku.DeviceID == "" || c.Doku.IPAddress != "127.0.0.1" || c.Doku.NotifySigns != NotifySignsPath {
		t.Errorf("defaults: device %q ip %q signs %q", c.Doku.DeviceID, c.Doku.IPAddress, c.Doku.NotifySigns)
	}
	c, err = load(map[string]string{"DOKU_DEVICE_ID": "till-7", "DOKU_IP_ADDRESS": "203.0.113.4", "DOKU_NOTIFY_SIGNS": "uri"})
	if err != nil || c.Doku.DeviceID != "till-7" || c.Doku.IPAddress != "203.0.113.4" || c.Doku.NotifySigns != NotifySignsURI {
		t.Errorf("set: %+v %v", c.Doku, err)
	}
	if _, err := load(map[string]string{"DOKU_NOTIFY_SIGNS": "query"}); err == nil || !strings.Contains(err.Error(), "DOKU_NOTIFY_SIGNS") {
		t.Errorf("bad DOKU_NOTIFY_SIGNS: %v", err)
	}
	if _, err := load(map[string]string{"DOKU_IP_ADDRESS": "localhost"}); err == nil || !strings.Contains(err.Error(), "DOKU_IP_ADDRESS") {
		t.Errorf("bad DOKU_IP_ADDRESS: %v", err)
	}
}
