// Command flyte-kubelet is the kubelet of the local Flyte: a virtual-kubelet node whose provider runs each pod's
// containers as local processes (the container's command and args, the pod's env), captures their logs and reports
// phase and exit codes. It also binds unscheduled pods to its node, as the local cluster has no scheduler.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

func main() {
	var cfg providerConfig
	var kubeconfig, pythonImages string
	flag.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the API server")
	flag.StringVar(&cfg.NodeName, "node-name", "local-flyte", "name of the node to register")
	flag.StringVar(&cfg.WorkDir, "work-dir", "", "directory for the pods' working directories and logs")
	flag.StringVar(&cfg.RepoRoot, "repo-root", "", "checkout whose bin/ runs the TypeScript entrypoints")
	flag.StringVar(&cfg.NodeExe, "node", "", "the Node.js executable pods of TypeScript images run with")
	flag.StringVar(&cfg.Venv, "venv", "", "Python virtual environment pods of Python images run with")
	flag.StringVar(&pythonImages, "python-images", `(^|/)(flytekit|python):`, "regular expression: images that run with the venv")
	flag.StringVar(&cfg.ImageMapFile, "image-map", "", "JSON file mapping image names (globs allowed) to node or python")
	flag.IntVar(&cfg.MaxRunningPods, "max-running-pods", 0, "pods whose processes run at once; the others stay Pending (0: no limit)")
	klog.InitFlags(nil)
	flag.Parse()

	for name, v := range map[string]string{"kubeconfig": kubeconfig, "work-dir": cfg.WorkDir, "repo-root": cfg.RepoRoot, "node": cfg.NodeExe} {
		if v == "" {
			fatalf("--%s is required", name)
		}
	}
	re, err := regexp.Compile(pythonImages)
	if err != nil {
		fatalf("--python-images %q is not a regular expression: %v", pythonImages, err)
	}
	cfg.PythonImages = re

	restCfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fatalf("reading kubeconfig %s: %v", kubeconfig, err)
	}
	// A real kubelet talks to the API server at 50 requests a second (burst 100, its kubeAPIQPS/kubeAPIBurst
	// defaults); client-go's own default of 5 would hold pod status updates to a few pods a second.
	restCfg.QPS = 50
	restCfg.Burst = 100
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		fatalf("creating the Kubernetes client: %v", err)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()

	var prov *processProvider
	n, err := nodeutil.NewNode(cfg.NodeName, func(pc nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		p, err := newProcessProvider(cfg)
		if err != nil {
			return nil, nil, err
		}
		prov = p
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("64"),
			corev1.ResourceMemory: resource.MustParse("256Gi"),
			corev1.ResourcePods:   resource.MustParse("1000"),
		}
		pc.Node.Status.Capacity = capacity
		pc.Node.Status.Allocatable = capacity
		pc.Node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
		pc.Node.Status.NodeInfo.OperatingSystem = "linux"
		pc.Node.Status.NodeInfo.Architecture = "amd64"
		pc.Node.Status.NodeInfo.KubeletVersion = "flyte-kubelet"
		return p, nil, nil
	}, nodeutil.WithClient(client), func(c *nodeutil.NodeConfig) error {
		c.HTTPListenAddr = "127.0.0.1:0" // no kubelet API: logs are files in the work dir
		// Pods are synced by this many workers; a real kubelet runs one worker per pod.
		c.NumWorkers = 16
		c.InformerResyncPeriod = 30 * time.Second
		return nil
	})
	if err != nil {
		fatalf("creating the node: %v", err)
	}

	go bindUnscheduledPods(ctx, client, cfg.NodeName)

	go func() {
		if err := n.Run(ctx); err != nil && ctx.Err() == nil {
			fatalf("node stopped: %v", err)
		}
	}()
	if err := n.WaitReady(ctx, time.Minute); err != nil {
		fatalf("node not ready: %v", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.WorkDir, "ready"), []byte(cfg.NodeName+"\n"), 0o644); err != nil {
		fatalf("writing the ready file: %v", err)
	}
	klog.Infof("node %s ready", cfg.NodeName)
	<-ctx.Done()
	prov.killAll()
	<-n.Done()
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "flyte-kubelet: "+format+"\n", args...)
	os.Exit(1)
}
