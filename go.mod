module gitlab.com/trustci/cicd

go 1.24.0

require (
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1
	gopkg.in/yaml.v3 v3.0.1
)

require mvdan.cc/sh/v3 v3.12.0 // indirect
