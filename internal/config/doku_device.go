package config

import (
	"net"
	"net/url"
	"os"
	"strings"
)

// What DOKU_NOTIFY_SIGNS may be.
const (
	NotifySignsPath = "path"
	NotifySignsURI  = "uri"
)

// defaultDeviceID names this server: DOKU asks for the device the request
// comes from, and for a server-to-server call that is the server.
func defaultDeviceID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "backoffice-dashboard"
	}
	return "backoffice-" + h
}

// outboundIP is the local address this machine uses to reach DOKU (a UDP
// "connection" sends nothing; it only picks the route), 127.0.0.1 when
// there is none (the built-in sandbox, or no network).
func outboundIP(baseURL string) string {
	u, err := url.Parse(baseURL)
	if baseURL == "" || err != nil || u.Hostname() == "" {
		return "127.0.0.1"
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	conn, err := net.Dial("udp", host+":443")
	if err != nil {
		return "127.0.0.1"
	}
	defer conn.Close()
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && a.IP != nil {
		return a.IP.String()
	}
	return "127.0.0.1"
}
