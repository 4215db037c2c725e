// Command floor is the parsing floor `make bench-report` compares cilint
// with: it reads each file named on the command line and decodes it into
// yaml.v3's node tree, nothing more.
package main

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

func main() {
	for _, path := range os.Args[1:] {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			fmt.Fprintln(os.Stderr, path+":", err)
			os.Exit(1)
		}
	}
}
