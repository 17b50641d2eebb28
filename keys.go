package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"hailong/server"
	"hailong/survey"
	"hailong/survey/store"
)

// keysCommand lists, rotates or retires the keys that sign invitation links.
// Rotation and retirement are the administration's own (Administration →
// Invitations, store.RotateInvitationKey and store.RetireInvitationKey),
// audited as "cli"; the keys are listed after each.
func keysCommand(ctx context.Context, st *store.Store, args []string, out io.Writer) error {
	const usage = "usage: hailong keys list | rotate | retire N"
	if len(args) == 0 {
		return fmt.Errorf("%s", usage)
	}
	now := time.Now()
	if err := st.EnsureInvitationKey(ctx, now); err != nil {
		return err
	}
	switch {
	case args[0] == "list" && len(args) == 1:
	case args[0] == "rotate" && len(args) == 1:
		k, err := st.RotateInvitationKey(ctx, now, server.KeyActivation(), "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "key %d made; it signs new links from %s\n", k.ID, k.ActiveFrom.Format(time.RFC3339))
	case args[0] == "retire" && len(args) == 2:
		id, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("%s", usage)
		}
		if err := st.RetireInvitationKey(ctx, id, now, "cli"); err != nil {
			if _, ok := err.(survey.FieldErrors); ok {
				return fmt.Errorf("key %d is the only key signing new links: rotate first, and retire it once the new key is active", id)
			}
			return fmt.Errorf("key %d: %w", id, err)
		}
		fmt.Fprintf(out, "key %d retired: links signed with it no longer work\n", id)
	default:
		return fmt.Errorf("%s", usage)
	}
	keys, err := st.InvitationKeys(ctx)
	if err != nil {
		return err
	}
	ring := survey.NewKeyring(keys)
	for _, k := range ring.Keys() {
		state := ring.State(k, now)
		switch state {
		case survey.KeyRetired:
			state += " " + k.RetiredAt.Format(time.RFC3339)
		case survey.KeyPending:
			state = "active from " + k.ActiveFrom.Format(time.RFC3339)
		}
		fmt.Fprintf(out, "key %d\tmade %s\t%s\n", k.ID, k.CreatedAt.Format(time.RFC3339), state)
	}
	return nil
}
