// Command trivial is the cost of starting any Go process, which
// `make bench-report` sets against cilint's start-up.
package main

func main() {}
