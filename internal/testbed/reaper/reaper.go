//go:build linux

// Package reaper runs a command so that it, and everything it starts, dies with the process that
// started the reaper. The Automation API starts the Pulumi CLI itself, and the CLI starts its
// plugins, so neither can be given a parent-death signal by the tests; a reaper installed as the
// CLI's bin/pulumi can.
package reaper

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Run runs cli with args as its child and returns the child's exit code. The kernel sends the
// reaper SIGTERM when its parent dies (PR_SET_PDEATHSIG), even when the parent is SIGKILLed, which
// nothing could catch; as a child subreaper it adopts what the CLI orphans. On SIGTERM or SIGHUP,
// and when the CLI exits, it kills every process below it or carrying its mark (treeEnv). SIGINT,
// the Automation API's cancel, is passed on to the CLI, which then stops its plugins itself.
func Run(cli string, args []string) int {
	parent := os.Getppid()
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-reaper: PR_SET_PDEATHSIG: %v\n", err)
		return 1
	}
	if os.Getppid() != parent {
		return 1 // the parent died before the kernel was told to signal its death
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-reaper: PR_SET_CHILD_SUBREAPER: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP)
	cmd := exec.Command(cli, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	tree := fmt.Sprintf("%s=%d-%d", treeEnv, os.Getpid(), time.Now().UnixNano())
	cmd.Env = append(os.Environ(), tree)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-reaper: %v\n", err)
		return 127
	}
	logf("started %v as %d", args, cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			if s == unix.SIGINT {
				_ = cmd.Process.Signal(s)
				continue
			}
			logf("%v: killing %v", s, members(tree))
			killTree(tree)
			return 128 + int(s.(unix.Signal))
		case err := <-done:
			logf("the CLI exited (%v): killing %v", err, members(tree))
			killTree(tree) // whatever the CLI left running
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exit.ExitCode()
			}
			if err != nil {
				return 1
			}
			return 0
		}
	}
}

// logf appends to the file PULUMI_REAPER_LOG names, if any: the reaper's stdout and stderr are
// the CLI's, whose reader is gone by the time there is something to say.
func logf(format string, args ...any) {
	path := os.Getenv("PULUMI_REAPER_LOG")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close() //nolint:errcheck // best effort
	prefix := fmt.Sprintf("%s pulumi-reaper[%d] ", time.Now().Format(time.StampMicro), os.Getpid())
	fmt.Fprintf(f, prefix+format+"\n", args...)
}

// treeEnv marks the CLI's environment, which its plugins inherit: a process of the tree is found
// by it even when it was reparented past the reaper (seen under load: plugins adopted by init).
const treeEnv = "PULUMI_REAPER_TREE"

// members lists the live processes below the reaper or carrying its tree marker, deepest first:
// killing a parent before its children would orphan them.
func members(tree string) []int {
	procs := Descendants(os.Getpid())
	for _, p := range marked(tree) {
		if !slices.Contains(procs, p) {
			procs = append(procs, p)
		}
	}
	slices.Reverse(procs)
	return procs
}

// killTree SIGKILLs every member of the tree, looking again until none is left: one may have
// forked while the others were being killed.
func killTree(tree string) {
	for range 100 {
		procs := members(tree)
		if len(procs) == 0 {
			return
		}
		for _, p := range procs {
			_ = unix.Kill(p, unix.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// marked lists the processes whose environment holds entry. Zombies have an empty one.
func marked(entry string) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && slices.Contains(strings.Split(string(env), "\x00"), entry) {
			out = append(out, p)
		}
	}
	return out
}

// Descendants lists the live processes below pid, from /proc. Zombies are left out: they are
// already dead and only wait for their parent to collect their exit status.
func Descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, state, ok := stat(p)
		if ok && state != "Z" {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// stat reads a process's parent and state from /proc/<pid>/stat, whose second field, the command
// name in parentheses, may itself hold spaces and parentheses.
func stat(pid int) (ppid int, state string, ok bool) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, "", false
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(fields[1])
	return ppid, fields[0], err == nil
}
