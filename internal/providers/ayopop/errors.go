package ayopop

import (
	"strconv"

	"backoffice/internal/providers/provider"
)

// ClassOf is the range of the Ayopop code carried by err (see Classify);
// ClassUnknown when err carries no numeric code.
func ClassOf(err error) Class {
	code, convErr := strconv.Atoi(provider.CodeOf(err))
	if convErr != nil {
		return ClassUnknown
	}
	return Classify(code)
}
