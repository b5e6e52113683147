// Command flyte is the Flyte v1.16.8 single binary (FlyteAdmin, FlytePropeller and DataCatalog in one process) with
// only the task plugins a local cluster needs: container and pod (sidecar), the k8s array (map tasks) and echo.
package main

import (
	"github.com/flyteorg/flyte/cmd/single"
	_ "github.com/flyteorg/flyte/flyteplugins/go/tasks/plugins/array/k8s"
	_ "github.com/flyteorg/flyte/flyteplugins/go/tasks/plugins/k8s/pod"
	_ "github.com/flyteorg/flyte/flyteplugins/go/tasks/plugins/testing"
)

func main() {
	if err := single.Execute(); err != nil {
		panic(err)
	}
}
