// Package static embeds the admin pages' CSS, the vendored htmx and images into the binary.
package static

import "embed"

// FS holds every file of this folder that is served under /static.
//
//go:embed *.css *.js
var FS embed.FS
