package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// newTestProvider is a provider running pods under a temporary directory, with this test binary's own PATH for
// shell commands; statuses it reports are kept by pod name.
func newTestProvider(t *testing.T, maxPods int) (*processProvider, *statusLog) {
	t.Helper()
	dir := t.TempDir()
	p, err := newProcessProvider(providerConfig{
		NodeName: "test", WorkDir: dir, RepoRoot: dir, NodeExe: "/bin/sh", MaxRunningPods: maxPods,
	})
	if err != nil {
		t.Fatal(err)
	}
	log := &statusLog{last: map[string]*corev1.Pod{}}
	p.NotifyPods(context.Background(), log.notify)
	t.Cleanup(p.killAll)
	return p, log
}

type statusLog struct {
	mu   sync.Mutex
	last map[string]*corev1.Pod
}

func (l *statusLog) notify(pod *corev1.Pod) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last[pod.Name] = pod
}

func (l *statusLog) phase(name string) corev1.PodPhase {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.last[name]; ok {
		return p.Status.Phase
	}
	return ""
}

func shellPod(name, script string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: types.UID(name + "-uid-0000"), Labels: map[string]string{"execution-id": name},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img", Command: []string{"/bin/sh", "-c", script}}}},
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPodsBeyondTheLimitStayPendingUntilASlotFrees(t *testing.T) {
	p, log := newTestProvider(t, 1)
	gate := filepath.Join(t.TempDir(), "gate")
	ctx := context.Background()
	if err := p.CreatePod(ctx, shellPod("first", "while [ ! -e "+gate+" ]; do sleep 0.02; done")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first pod to run", func() bool { return log.phase("first") == corev1.PodRunning })
	if err := p.CreatePod(ctx, shellPod("second", "exit 0")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	second, err := p.GetPod(ctx, "ns", "second")
	if err != nil {
		t.Fatal(err)
	}
	if second.Status.Phase != corev1.PodPending {
		t.Fatalf("second pod: phase %s while the only slot is taken, want Pending", second.Status.Phase)
	}
	w := second.Status.ContainerStatuses[0].State.Waiting
	if w == nil || w.Reason != "ContainerCreating" || !strings.Contains(w.Message, "1 pod slots") {
		t.Fatalf("second pod's container: %+v, want waiting (ContainerCreating) for a slot", second.Status.ContainerStatuses[0].State)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first pod to succeed", func() bool { return log.phase("first") == corev1.PodSucceeded })
	waitFor(t, "the second pod to succeed", func() bool { return log.phase("second") == corev1.PodSucceeded })

	// Each container that ran is recorded with its pod's labels, its wait and its process times.
	var recs []containerRecord
	f, err := os.Open(filepath.Join(p.cfg.WorkDir, "containers.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r containerRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("record %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0].Pod != "first" || recs[1].Pod != "second" {
		t.Fatalf("records: %+v, want first then second", recs)
	}
	if recs[1].Labels["execution-id"] != "second" || recs[1].ExitCode != 0 || recs[1].WaitSeconds < 0.3 {
		t.Fatalf("second pod's record: %+v, want its label, exit 0 and the time it waited for the slot", recs[1])
	}
	if recs[0].WallSeconds < 0.3 || recs[0].UserSeconds+recs[0].SysSeconds <= 0 {
		t.Fatalf("first pod's record: %+v, want its wall time and CPU", recs[0])
	}
}

func TestDeletingAWaitingPodNeverStartsIt(t *testing.T) {
	p, log := newTestProvider(t, 1)
	marker := filepath.Join(t.TempDir(), "ran")
	ctx := context.Background()
	if err := p.CreatePod(ctx, shellPod("busy", "sleep 30")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the busy pod to run", func() bool { return log.phase("busy") == corev1.PodRunning })
	waiting := shellPod("waiting", "touch "+marker)
	if err := p.CreatePod(ctx, waiting); err != nil {
		t.Fatal(err)
	}
	if err := p.DeletePod(ctx, waiting); err != nil {
		t.Fatal(err)
	}
	if err := p.DeletePod(ctx, shellPod("busy", "")); err != nil {
		t.Fatal(err)
	}
	// The freed slot goes to a new pod, not to the deleted one.
	if err := p.CreatePod(ctx, shellPod("next", "exit 0")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the next pod to succeed", func() bool { return log.phase("next") == corev1.PodSucceeded })
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the deleted waiting pod ran its command")
	}
	if got := log.phase("waiting"); got != corev1.PodFailed {
		t.Fatalf("deleted waiting pod: phase %q, want Failed", got)
	}
}

func TestNoLimitRunsPodsAtOnce(t *testing.T) {
	p, log := newTestProvider(t, 0)
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c"} {
		if err := p.CreatePod(ctx, shellPod(n, "sleep 30")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three pods running", func() bool {
		return log.phase("a") == corev1.PodRunning && log.phase("b") == corev1.PodRunning && log.phase("c") == corev1.PodRunning
	})
}

func TestANegativeLimitIsRefused(t *testing.T) {
	_, err := newProcessProvider(providerConfig{WorkDir: t.TempDir(), RepoRoot: t.TempDir(), NodeExe: "/bin/sh", MaxRunningPods: -1})
	if err == nil || !strings.Contains(err.Error(), "--max-running-pods") || !strings.Contains(err.Error(), "-1") {
		t.Fatalf("err = %v, want the flag and the value named", err)
	}
}
