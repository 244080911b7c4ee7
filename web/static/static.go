// Package static embeds the stylesheet and vendored scripts, so the
// dashboard serves them itself and never loads anything from a CDN.
package static

import "embed"

// FS holds css/ and js/.
//
//go:embed css js
var FS embed.FS
