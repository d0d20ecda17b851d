package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const pkg = "./cmd/shopkeeper"

func repoRoot() (string, error) {
	return gitOutput(".", "rev-parse", "--show-toplevel")
}

func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// buildRevision builds the binary as it was at rev, from a temporary
// detached worktree that is removed again.
func buildRevision(root, rev, tmp, name string) (string, error) {
	src := filepath.Join(tmp, "src-"+name)
	if _, err := gitOutput(root, "worktree", "add", "--quiet", "--detach", src, rev); err != nil {
		return "", err
	}
	defer func() {
		if _, err := gitOutput(root, "worktree", "remove", "--force", src); err != nil {
			fmt.Fprintln(os.Stderr, "abuse: removing the worktree:", err)
			_ = os.RemoveAll(src)
			_, _ = gitOutput(root, "worktree", "prune")
		}
	}()
	return goBuild(src, filepath.Join(tmp, name))
}

// buildWorkingTree builds the binary from the files as they are now.
func buildWorkingTree(root, tmp, name string) (string, error) {
	bin, err := goBuild(root, filepath.Join(tmp, name))
	if err != nil {
		return "", fmt.Errorf("%w (the working tree does not build; if others are mid-edit, retry in a minute)", err)
	}
	return bin, nil
}

func goBuild(dir, out string) (string, error) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s in %s: %w", pkg, dir, err)
	}
	return out, nil
}

// describeWorkingTree names the after build for the table's title: HEAD's
// short hash, and whether files differ from it.
func describeWorkingTree(root string) string {
	head, err := gitOutput(root, "rev-parse", "--short", "HEAD")
	if err != nil {
		return "working tree"
	}
	status, err := gitOutput(root, "status", "--porcelain", "--untracked-files=no")
	if err == nil && status == "" {
		return "working tree (" + head + ", clean)"
	}
	return "working tree (" + head + " + uncommitted changes)"
}
