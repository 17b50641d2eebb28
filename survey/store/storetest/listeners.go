package storetest

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TCPListeners lists the listening TCP sockets (IPv4 and IPv6) that the
// process pid ("self" for this one) holds open. It reads Linux's /proc: the
// sockets of the network namespace in LISTEN state, kept when their inode is
// the target of one of the process's file descriptors (another process of
// the namespace, a parallel test binary say, is not counted).
func TCPListeners(pid string) ([]netip.AddrPort, error) {
	fds, err := os.ReadDir(filepath.Join("/proc", pid, "fd"))
	if err != nil {
		return nil, fmt.Errorf("list file descriptors: %w", err)
	}
	own := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc", pid, "fd", fd.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			own[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var out []netip.AddrPort
	for _, table := range []string{"tcp", "tcp6"} {
		l, err := listening(filepath.Join("/proc", pid, "net", table), own)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, nil
}

// listening reads one /proc/<pid>/net/tcp{,6} table: after a header line,
// "sl local_address rem_address st ... uid timeout inode", where a LISTEN
// socket has st 0A.
func listening(path string, own map[string]bool) ([]netip.AddrPort, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read sockets: %w", err)
	}
	defer f.Close()
	var out []netip.AddrPort
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" || !own[fields[9]] {
			continue
		}
		ap, err := parseProcAddr(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, ap)
	}
	return out, sc.Err()
}

// parseProcAddr reads "0100007F:1F90": the address as 32-bit words in host
// (little-endian) order, then the port in hexadecimal.
func parseProcAddr(s string) (netip.AddrPort, error) {
	h, p, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(h)
	if !ok || err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad socket address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad socket port %q", s)
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}
