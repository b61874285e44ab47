// netns-forward makes a TCP server inside another network namespace reachable from this one's
// loopback: it listens on LISTEN (host side, e.g. 127.0.0.1:0) and, for every connection, dials
// TARGET from inside the namespace NETNS (a path such as /proc/PID/ns/net). The local cluster's API
// server lives in a namespace with no route to the host; this is the one door to it, and it opens
// only onto loopback.
//
// Usage: netns-forward NETNS LISTEN TARGET PORTFILE
// The chosen port is written to PORTFILE once the listener is up.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

type dialRequest struct{ reply chan dialResult }
type dialResult struct {
	conn net.Conn
	err  error
}

// dialer serves every dial from one OS thread that has entered the target namespace: a socket
// belongs to the namespace of the thread that created it, whichever thread later reads it.
func dialer(netns, target string, requests <-chan dialRequest, ready chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with the process, not back in the pool
	f, err := os.Open(netns)
	if err != nil {
		ready <- err
		return
	}
	if _, _, errno := syscall.RawSyscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); errno != 0 {
		ready <- fmt.Errorf("setns %s: %v", netns, errno)
		return
	}
	ready <- nil
	for req := range requests {
		c, err := net.Dial("tcp", target)
		req.reply <- dialResult{c, err}
	}
}

func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
	_ = a.Close()
	_ = b.Close()
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: netns-forward NETNS LISTEN TARGET PORTFILE")
		os.Exit(2)
	}
	netns, listen, target, portFile := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	host, _, err := net.SplitHostPort(listen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("LISTEN must be a loopback address with a port, got %q", listen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		log.Fatal(err)
	}
	requests := make(chan dialRequest)
	ready := make(chan error)
	go dialer(netns, target, requests, ready)
	if err := <-ready; err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := os.WriteFile(portFile+".tmp", []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(portFile+".tmp", portFile); err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() { <-stop; os.Exit(0) }()
	log.Printf("forwarding %s to %s inside %s", ln.Addr(), target, netns)
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			reply := make(chan dialResult, 1)
			requests <- dialRequest{reply}
			r := <-reply
			if r.err != nil {
				log.Printf("dial %s: %v", target, r.err)
				_ = c.Close()
				return
			}
			pipe(c, r.conn)
		}()
	}
}
