//go:build !unix

package diskspace

import "errors"

func freeBytes(string) (int64, error) {
	return 0, errors.New("diskspace: free space is not measured on this system")
}
