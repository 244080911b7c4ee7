//go:build unix

package diskspace

import "golang.org/x/sys/unix"

// freeBytes is the space available to an unprivileged user (Bavail), the
// figure that matters to a process not running as root.
func freeBytes(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
