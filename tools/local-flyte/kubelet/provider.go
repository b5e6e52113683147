package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// providerConfig says where pods run and how an image maps to a local runtime.
type providerConfig struct {
	NodeName     string
	WorkDir      string
	RepoRoot     string
	NodeExe      string
	Venv         string
	ImageMapFile string
	PythonImages *regexp.Regexp
	// MaxRunningPods is how many pods may have processes at once (0: no limit). The others stay Pending, their
	// containers waiting, until a running pod ends: a node full of pods does not start more, and pods that start
	// processes on a machine with few cores would only starve each other (and the control plane) of CPU.
	MaxRunningPods int
}

// runtimeKind is what an image runs as on this machine.
type runtimeKind string

const (
	runtimeNode   runtimeKind = "node"
	runtimePython runtimeKind = "python"
)

type imageRule struct {
	pattern *regexp.Regexp
	source  string
	kind    runtimeKind
}

// podRun is one pod and the processes of its containers.
type podRun struct {
	pod      *corev1.Pod
	dir      string
	procs    map[string]*os.Process
	deleting bool
	// created is when the pod reached the node; admitted when it got a slot to run in.
	created  time.Time
	admitted time.Time
	// holdsSlot says the pod counts against MaxRunningPods; gone is closed when it is deleted.
	holdsSlot bool
	gone      chan struct{}
}

// processProvider is a virtual-kubelet provider whose containers are local processes.
type processProvider struct {
	cfg       providerConfig
	rules     []imageRule
	nodeBin   string
	systemBin string

	mu     sync.Mutex
	pods   map[string]*podRun
	notify func(*corev1.Pod)
	// slots has one token per running pod when MaxRunningPods is set (nil otherwise); pods blocked on it are
	// admitted in the order they arrived.
	slots chan struct{}
	// stats receives one JSON line per container that ran (containers.jsonl in the work dir).
	statsMu sync.Mutex
	stats   *os.File
}

func newProcessProvider(cfg providerConfig) (*processProvider, error) {
	p := &processProvider{cfg: cfg, pods: map[string]*podRun{}, notify: func(*corev1.Pod) {}}
	if cfg.MaxRunningPods < 0 {
		return nil, fmt.Errorf("--max-running-pods must be 0 (no limit) or more, got %d", cfg.MaxRunningPods)
	}
	if cfg.MaxRunningPods > 0 {
		p.slots = make(chan struct{}, cfg.MaxRunningPods)
	}
	for _, d := range []string{"pods", "logs"} {
		if err := os.MkdirAll(filepath.Join(cfg.WorkDir, d), 0o755); err != nil {
			return nil, err
		}
	}
	stats, err := os.OpenFile(filepath.Join(cfg.WorkDir, "containers.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the container record: %w", err)
	}
	p.stats = stats
	if cfg.ImageMapFile != "" {
		rules, err := readImageMap(cfg.ImageMapFile)
		if err != nil {
			return nil, err
		}
		p.rules = rules
	}
	// The TypeScript entrypoints are bin/<name>.js; images call them by bare name, so a directory of links
	// without the extension (and `node` itself) goes first on the PATH of Node pods.
	p.nodeBin = filepath.Join(cfg.WorkDir, "bin")
	if err := os.MkdirAll(p.nodeBin, 0o755); err != nil {
		return nil, err
	}
	links := map[string]string{"node": cfg.NodeExe}
	scripts, err := filepath.Glob(filepath.Join(cfg.RepoRoot, "bin", "*.js"))
	if err != nil {
		return nil, err
	}
	for _, s := range scripts {
		links[strings.TrimSuffix(filepath.Base(s), ".js")] = s
	}
	for name, target := range links {
		link := filepath.Join(p.nodeBin, name)
		_ = os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			return nil, fmt.Errorf("linking %s to %s: %w", link, target, err)
		}
	}
	p.systemBin = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	return p, nil
}

// readImageMap reads {"<image or glob>": "node" | "python"}; "*" in a key matches any characters.
func readImageMap(file string) ([]imageRule, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the image map: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("image map %s: expected a JSON object of image patterns to \"node\" or \"python\": %w", file, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Exact names before globs, longer patterns before shorter ones.
	sort.Slice(keys, func(i, j int) bool {
		gi, gj := strings.Contains(keys[i], "*"), strings.Contains(keys[j], "*")
		if gi != gj {
			return !gi
		}
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	rules := make([]imageRule, 0, len(keys))
	for _, k := range keys {
		kind := runtimeKind(m[k])
		if kind != runtimeNode && kind != runtimePython {
			return nil, fmt.Errorf("image map %s: image %q maps to %q, expected \"node\" or \"python\"", file, k, m[k])
		}
		parts := strings.Split(k, "*")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		rules = append(rules, imageRule{regexp.MustCompile("^" + strings.Join(parts, ".*") + "$"), k, kind})
	}
	return rules, nil
}

func (p *processProvider) kindOf(image string) runtimeKind {
	for _, r := range p.rules {
		if r.pattern.MatchString(image) {
			return r.kind
		}
	}
	if p.cfg.PythonImages != nil && p.cfg.PythonImages.MatchString(image) {
		return runtimePython
	}
	return runtimeNode
}

func (p *processProvider) pathFor(kind runtimeKind) string {
	nodeDir := filepath.Dir(p.cfg.NodeExe)
	if kind == runtimePython && p.cfg.Venv != "" {
		return strings.Join([]string{filepath.Join(p.cfg.Venv, "bin"), p.nodeBin, nodeDir, p.systemBin}, ":")
	}
	return strings.Join([]string{p.nodeBin, filepath.Join(p.cfg.RepoRoot, "bin"), nodeDir, p.systemBin}, ":")
}

func podKey(namespace, name string) string { return namespace + "/" + name }

// CreatePod starts the pod's init containers one after another, then its containers together.
func (p *processProvider) CreatePod(_ context.Context, pod *corev1.Pod) error {
	key := podKey(pod.Namespace, pod.Name)
	p.mu.Lock()
	if _, ok := p.pods[key]; ok {
		p.mu.Unlock()
		return nil
	}
	uid := string(pod.UID)
	if len(uid) > 8 {
		uid = uid[:8]
	}
	run := &podRun{
		pod:     pod.DeepCopy(),
		dir:     filepath.Join(p.cfg.WorkDir, "pods", safeName(pod.Namespace+"_"+pod.Name+"_"+uid)),
		procs:   map[string]*os.Process{},
		created: time.Now(),
		gone:    make(chan struct{}),
	}
	now := metav1.Now()
	st := &run.pod.Status
	st.Phase = corev1.PodPending
	st.HostIP = "127.0.0.1"
	st.PodIP = "127.0.0.1"
	st.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
	st.StartTime = &now
	st.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	waiting := ""
	if p.slots != nil {
		waiting = fmt.Sprintf("waiting for one of the node's %d pod slots", p.cfg.MaxRunningPods)
	}
	for _, c := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, waitingStatus(c, waiting))
	}
	for _, c := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, waitingStatus(c, waiting))
	}
	p.pods[key] = run
	p.mu.Unlock()

	if err := os.MkdirAll(filepath.Join(run.dir, "tmp"), 0o755); err != nil {
		return fmt.Errorf("creating the directory of pod %s: %w", key, err)
	}
	go p.runPod(key, run)
	return nil
}

func waitingStatus(c corev1.Container, message string) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:  c.Name,
		Image: c.Image,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating", Message: message}},
	}
}

// admit waits for a slot to run the pod in (at once without a limit); false when the pod was deleted first.
func (p *processProvider) admit(run *podRun) bool {
	if p.slots != nil {
		select {
		case p.slots <- struct{}{}:
		case <-run.gone:
			return false
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if run.deleting {
		if p.slots != nil {
			<-p.slots
		}
		return false
	}
	run.holdsSlot = p.slots != nil
	run.admitted = time.Now()
	return true
}

// release gives the pod's slot back once its processes are done; the caller holds p.mu.
func (p *processProvider) release(run *podRun) {
	if run.holdsSlot {
		run.holdsSlot = false
		<-p.slots
	}
}

func (p *processProvider) runPod(key string, run *podRun) {
	if !p.admit(run) {
		return
	}
	for i, c := range run.pod.Spec.InitContainers {
		done := make(chan int32, 1)
		if !p.startContainer(key, run, c, true, i, done) {
			return
		}
		if code := <-done; code != 0 {
			p.update(key, func(pod *corev1.Pod) { pod.Status.Phase = corev1.PodFailed })
			p.mu.Lock()
			p.release(run)
			p.mu.Unlock()
			return
		}
	}
	p.update(key, func(pod *corev1.Pod) {
		now := metav1.Now()
		for i := range pod.Status.ContainerStatuses {
			if w := pod.Status.ContainerStatuses[i].State.Waiting; w != nil {
				w.Message = "" // admitted: no longer waiting for a slot
			}
		}
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = append(pod.Status.Conditions,
			corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
			corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now})
	})
	for i, c := range run.pod.Spec.Containers {
		p.startContainer(key, run, c, false, i, nil)
	}
}

// startContainer runs one container as a process group; its status follows the process. It reports false when the
// pod is being deleted.
func (p *processProvider) startContainer(key string, run *podRun, c corev1.Container, initC bool, idx int, done chan<- int32) bool {
	kind := p.kindOf(c.Image)
	env := map[string]string{
		"PATH":     p.pathFor(kind),
		"HOME":     run.dir,
		"TMPDIR":   filepath.Join(run.dir, "tmp"),
		"LANG":     "C.UTF-8",
		"HOSTNAME": run.pod.Name,
	}
	if kind == runtimePython && p.cfg.Venv != "" {
		env["VIRTUAL_ENV"] = p.cfg.Venv
	}
	for _, e := range c.Env {
		env[e.Name] = expandVars(e.Value, env)
	}
	argv := make([]string, 0, len(c.Command)+len(c.Args))
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		argv = append(argv, expandVars(a, env))
	}
	envList := make([]string, 0, len(env))
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	sort.Strings(envList)

	logPath := p.logPath(run.pod.Namespace, run.pod.Name, c.Name)
	fail := func(code int32, reason, msg string) bool {
		p.finish(key, c.Name, initC, idx, code, reason, msg, time.Now())
		if done != nil {
			done <- code
		}
		return true
	}
	if len(argv) == 0 {
		return fail(128, "ContainerCannotRun", fmt.Sprintf("container %q of image %q has no command: image entrypoints are not known to the local kubelet", c.Name, c.Image))
	}
	exe, err := lookPath(argv[0], env["PATH"])
	if err != nil {
		return fail(127, "ContainerCannotRun", fmt.Sprintf("container %q (image %q, run as %s): %v", c.Name, c.Image, kind, err))
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail(128, "ContainerCannotRun", fmt.Sprintf("opening the log file %s: %v", logPath, err))
	}
	cmd := &exec.Cmd{
		Path:        exe,
		Args:        argv,
		Env:         envList,
		Dir:         run.dir,
		Stdout:      logFile,
		Stderr:      logFile,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	p.mu.Lock()
	if run.deleting {
		p.mu.Unlock()
		logFile.Close()
		return false
	}
	err = cmd.Start()
	if err == nil {
		run.procs[c.Name] = cmd.Process
	}
	p.mu.Unlock()
	if err != nil {
		logFile.Close()
		return fail(128, "ContainerCannotRun", fmt.Sprintf("starting %s: %v", exe, err))
	}
	// The process group is recorded beside the pod, so whoever stops the cluster can end it even without us.
	pidFile := filepath.Join(run.dir, safeName(c.Name)+".pid")
	if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d\n", cmd.Process.Pid)), 0o644); err != nil {
		klog.Warningf("writing %s: %v", pidFile, err)
	}
	started := metav1.Now()
	klog.Infof("pod %s container %s: started pid %d (%s image %s): %s", key, c.Name, cmd.Process.Pid, kind, c.Image, strings.Join(argv, " "))
	p.update(key, func(pod *corev1.Pod) {
		s := containerStatus(pod, c.Name, initC, idx)
		isStarted := true
		s.Ready, s.Started = !initC, &isStarted
		s.ContainerID = fmt.Sprintf("process://%d", cmd.Process.Pid)
		s.ImageID = c.Image
		s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
	})
	go func() {
		werr := cmd.Wait()
		logFile.Close()
		code, reason, msg := int32(0), "Completed", ""
		if werr != nil {
			var ee *exec.ExitError
			if errors.As(werr, &ee) {
				ws, _ := ee.Sys().(syscall.WaitStatus)
				switch {
				case ws.Signaled():
					code, reason = 128+int32(ws.Signal()), "Error"
					msg = fmt.Sprintf("killed by signal %s", ws.Signal())
				default:
					code, reason = int32(ee.ExitCode()), "Error"
				}
			} else {
				code, reason, msg = 128, "Error", werr.Error()
			}
		}
		klog.Infof("pod %s container %s: exited with %d", key, c.Name, code)
		p.record(run, c, kind, initC, started.Time, time.Now(), cmd.ProcessState, code)
		_ = os.Remove(pidFile)
		p.mu.Lock()
		delete(run.procs, c.Name)
		p.mu.Unlock()
		p.finish(key, c.Name, initC, idx, code, reason, msg, time.Now())
		if done != nil {
			done <- code
		}
	}()
	return true
}

// containerRecord is one line of containers.jsonl: where a container's time went, for benchmarks of the local
// Flyte (how long a pod waited for a slot, how long its process ran and the CPU it used, its children included).
type containerRecord struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// Labels are the pod's (Flyte's name the execution, node and task the pod runs).
	Labels      map[string]string `json:"labels,omitempty"`
	Image       string            `json:"image"`
	Runtime     string            `json:"runtime"`
	Init        bool              `json:"init"`
	ExitCode    int32             `json:"exitCode"`
	CreatedAt   string            `json:"createdAt"`
	StartedAt   string            `json:"startedAt"`
	FinishedAt  string            `json:"finishedAt"`
	WaitSeconds float64           `json:"waitSeconds"`
	WallSeconds float64           `json:"wallSeconds"`
	UserSeconds float64           `json:"userSeconds"`
	SysSeconds  float64           `json:"sysSeconds"`
}

func (p *processProvider) record(run *podRun, c corev1.Container, kind runtimeKind, initC bool, start, end time.Time, ps *os.ProcessState, code int32) {
	rec := containerRecord{
		Namespace: run.pod.Namespace, Pod: run.pod.Name, Container: c.Name, Labels: run.pod.Labels, Image: c.Image,
		Runtime: string(kind),
		Init:    initC, ExitCode: code,
		CreatedAt: run.created.UTC().Format(time.RFC3339Nano), StartedAt: start.UTC().Format(time.RFC3339Nano),
		FinishedAt:  end.UTC().Format(time.RFC3339Nano),
		WaitSeconds: start.Sub(run.created).Seconds(), WallSeconds: end.Sub(start).Seconds(),
	}
	if ps != nil {
		rec.UserSeconds, rec.SysSeconds = ps.UserTime().Seconds(), ps.SystemTime().Seconds()
	}
	line, err := json.Marshal(rec)
	if err != nil {
		klog.Warningf("recording container %s of pod %s: %v", c.Name, run.pod.Name, err)
		return
	}
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	if _, err := p.stats.Write(append(line, '\n')); err != nil {
		klog.Warningf("recording container %s of pod %s: %v", c.Name, run.pod.Name, err)
	}
}

func containerStatus(pod *corev1.Pod, name string, initC bool, idx int) *corev1.ContainerStatus {
	if initC {
		return &pod.Status.InitContainerStatuses[idx]
	}
	return &pod.Status.ContainerStatuses[idx]
}

// finish records a container's end and, once no container runs, the pod's phase as the kubelet computes it for
// restartPolicy Never: Succeeded when every container exited 0, else Failed.
func (p *processProvider) finish(key, name string, initC bool, idx int, code int32, reason, msg string, at time.Time) {
	p.update(key, func(pod *corev1.Pod) {
		s := containerStatus(pod, name, initC, idx)
		started := metav1.NewTime(at)
		if s.State.Running != nil {
			started = s.State.Running.StartedAt
		}
		s.Ready = false
		s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: code, Reason: reason, Message: msg, StartedAt: started, FinishedAt: metav1.NewTime(at),
			ContainerID: s.ContainerID,
		}}
		if initC {
			return
		}
		allDone, allOK := true, true
		for _, cs := range pod.Status.ContainerStatuses {
			if cs.State.Terminated == nil {
				allDone = false
			} else if cs.State.Terminated.ExitCode != 0 {
				allOK = false
			}
		}
		if !allDone {
			return
		}
		pod.Status.Phase = corev1.PodSucceeded
		if !allOK {
			pod.Status.Phase = corev1.PodFailed
		}
		p.release(p.pods[key])
		for i := range pod.Status.Conditions {
			if t := pod.Status.Conditions[i].Type; t == corev1.PodReady || t == corev1.ContainersReady {
				pod.Status.Conditions[i].Status = corev1.ConditionFalse
				pod.Status.Conditions[i].Reason = "PodCompleted"
			}
		}
	})
}

// update changes a pod's status under the lock and tells virtual-kubelet.
func (p *processProvider) update(key string, change func(*corev1.Pod)) {
	p.mu.Lock()
	run, ok := p.pods[key]
	if !ok {
		p.mu.Unlock()
		return
	}
	change(run.pod)
	snapshot := run.pod.DeepCopy()
	notify := p.notify
	p.mu.Unlock()
	notify(snapshot)
}

func (p *processProvider) UpdatePod(_ context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if run, ok := p.pods[podKey(pod.Namespace, pod.Name)]; ok {
		status := run.pod.Status
		run.pod = pod.DeepCopy()
		run.pod.Status = status
	}
	return nil
}

// DeletePod kills the pod's process groups (TERM, then KILL after the grace period) and reports it terminated.
func (p *processProvider) DeletePod(_ context.Context, pod *corev1.Pod) error {
	key := podKey(pod.Namespace, pod.Name)
	p.mu.Lock()
	run, ok := p.pods[key]
	if !ok {
		p.mu.Unlock()
		return errdefs.NotFoundf("pod %s is not on this node", key)
	}
	if !run.deleting {
		close(run.gone)
	}
	run.deleting = true
	procs := make([]*os.Process, 0, len(run.procs))
	for _, proc := range run.procs {
		procs = append(procs, proc)
	}
	p.mu.Unlock()
	grace := 5 * time.Second
	if pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds < 5 {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	killGroups(procs, grace)

	now := metav1.Now()
	p.update(key, func(pod *corev1.Pod) {
		for i := range pod.Status.ContainerStatuses {
			s := &pod.Status.ContainerStatuses[i]
			if s.State.Terminated == nil {
				s.Ready = false
				s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 137, Reason: "Killed", Message: "the pod was deleted", FinishedAt: now, ContainerID: s.ContainerID,
				}}
			}
		}
		if pod.Status.Phase != corev1.PodSucceeded {
			pod.Status.Phase = corev1.PodFailed
		}
		pod.Status.Reason = "Deleted"
	})
	p.mu.Lock()
	p.release(run)
	delete(p.pods, key)
	p.mu.Unlock()
	if err := os.RemoveAll(run.dir); err != nil {
		klog.Warningf("removing %s: %v", run.dir, err)
	}
	return nil
}

func killGroups(procs []*os.Process, grace time.Duration) {
	for _, proc := range procs {
		_ = syscall.Kill(-proc.Pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for _, proc := range procs {
		for time.Now().Before(deadline) && syscall.Kill(-proc.Pid, 0) == nil {
			time.Sleep(50 * time.Millisecond)
		}
		_ = syscall.Kill(-proc.Pid, syscall.SIGKILL)
	}
}

// killAll ends every pod's processes when the kubelet stops, so nothing outlives the cluster.
func (p *processProvider) killAll() {
	if p == nil {
		return
	}
	p.mu.Lock()
	var procs []*os.Process
	for _, run := range p.pods {
		run.deleting = true
		for _, proc := range run.procs {
			procs = append(procs, proc)
		}
	}
	p.mu.Unlock()
	killGroups(procs, 3*time.Second)
}

func (p *processProvider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	run, ok := p.pods[podKey(namespace, name)]
	if !ok {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	}
	return run.pod.DeepCopy(), nil
}

func (p *processProvider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

func (p *processProvider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pods := make([]*corev1.Pod, 0, len(p.pods))
	for _, run := range p.pods {
		pods = append(pods, run.pod.DeepCopy())
	}
	return pods, nil
}

// NotifyPods registers virtual-kubelet's callback for status changes.
func (p *processProvider) NotifyPods(_ context.Context, cb func(*corev1.Pod)) {
	p.mu.Lock()
	p.notify = cb
	p.mu.Unlock()
}

func (p *processProvider) logPath(namespace, pod, container string) string {
	return filepath.Join(p.cfg.WorkDir, "logs", safeName(namespace+"_"+pod+"_"+container)+".log")
}

// GetContainerLogs returns the log file of a container (kept after the pod is deleted).
func (p *processProvider) GetContainerLogs(_ context.Context, namespace, podName, containerName string, _ api.ContainerLogOpts) (io.ReadCloser, error) {
	f, err := os.Open(p.logPath(namespace, podName, containerName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errdefs.NotFoundf("no logs for container %s of pod %s/%s", containerName, namespace, podName)
	}
	return f, err
}

var errUnsupported = errdefs.InvalidInput("not supported by the local kubelet: containers are local processes")

func (p *processProvider) RunInContainer(context.Context, string, string, string, []string, api.AttachIO) error {
	return errUnsupported
}

func (p *processProvider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return errUnsupported
}

func (p *processProvider) PortForward(context.Context, string, string, int32, io.ReadWriteCloser) error {
	return errUnsupported
}

func (p *processProvider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return &statsv1alpha1.Summary{Node: statsv1alpha1.NodeStats{NodeName: p.cfg.NodeName}}, nil
}

func (p *processProvider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// lookPath finds a command in the pod's PATH (not the kubelet's own).
func lookPath(name, path string) (string, error) {
	if strings.Contains(name, "/") {
		if isExecutable(name) {
			return name, nil
		}
		return "", fmt.Errorf("%s is not an executable file on this machine", name)
	}
	for _, dir := range filepath.SplitList(path) {
		if f := filepath.Join(dir, name); isExecutable(f) {
			return f, nil
		}
	}
	return "", fmt.Errorf("command %q not found in PATH %s", name, path)
}

func isExecutable(f string) bool {
	st, err := os.Stat(f)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// expandVars replaces $(NAME) with the variable's value as the kubelet does for env, command and args; $$ escapes a
// dollar and unknown references stay as written.
func expandVars(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
