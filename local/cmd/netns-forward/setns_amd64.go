// setns(2) has no constant in package syscall.
package main

const sysSetns = 308
