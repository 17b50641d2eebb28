package main

import (
	"context"
	"testing"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// checkAttentionItems: after the crash and the retries, every stored
// response that needs attention has its item (ids are unique, so at most
// one), and no other response has one (issue 18).
func checkAttentionItems(t *testing.T, st *store.Store, subs []*submission) {
	t.Helper()
	ctx := context.Background()
	cat, err := st.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	needed := 0
	for _, s := range subs {
		r, err := st.Response(ctx, s.key)
		if err != nil {
			t.Fatalf("response %s: %v", s.key, err)
		}
		f, err := cat.FormVersion(r.FormID, r.FormVersion)
		if err != nil {
			t.Fatal(err)
		}
		_, need := survey.NeedsAttention(r, &f, survey.DefaultAttentionRule(), false)
		_, err = st.AttentionItem(ctx, s.key, time.Now())
		switch {
		case need && err != nil:
			t.Errorf("response %s needs attention: no item (%v)", s.key, err)
		case !need && err == nil:
			t.Errorf("response %s needs no attention, yet has an item", s.key)
		}
		if need {
			needed++
		}
	}
	t.Logf("%d of %d responses have their attention item", needed, len(subs))
}
