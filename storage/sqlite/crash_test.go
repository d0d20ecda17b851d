package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"shopkeeper/storage"
	"shopkeeper/storage/sqlite"
)

// TestWritesSurviveKill runs a child process that writes, reports success
// and is then killed with SIGKILL, no Close; every write it reported must be
// there when the file is opened again.
func TestWritesSurviveKill(t *testing.T) {
	if path := os.Getenv("SQLITE_CRASH_CHILD_DB"); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "shop.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestWritesSurviveKill$")
	cmd.Env = append(os.Environ(), "SQLITE_CRASH_CHILD_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ownerID string
	var shops []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		kind, id, ok := strings.Cut(sc.Text(), " ")
		switch {
		case !ok:
		case kind == "owner":
			ownerID = id
		case kind == "shop":
			shops = append(shops, id)
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v", err)
	}
	if ownerID == "" || len(shops) == 0 {
		t.Fatalf("child reported owner %q and %d shops", ownerID, len(shops))
	}

	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range shops {
		if _, err := db.Store(context.Background(), ownerID, id); err != nil {
			t.Fatalf("shop %s reported written before the kill: %v", id, err)
		}
	}
}

func crashChild(path string) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	o, err := db.CreateOwner(ctx, storage.Owner{Name: "K", Email: "k@example.com", PasswordHash: "h"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("owner", o.ID)
	for i := range 50 {
		s, err := db.CreateStore(ctx, storage.Store{OwnerID: o.ID, Name: fmt.Sprint(i), Email: "s@x.test"}, 0)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("shop", s.ID)
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}
