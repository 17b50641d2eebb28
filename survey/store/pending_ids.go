package store

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Attempt ids in sequence. The group commit numbers the attempts it writes
// ("~<writer>.<sequence, 12 hex digits>"), in the order it hands them to
// the rollup writer, so the entries a writer's batch clears are mostly one
// run of consecutive ids, and the batch deletes them by range. A filter
// {_id: {$in: ids}} made FerretDB compare every entry of the log with every
// id of the list (it filters in Go, without an index): with batches of
// 4,000 that took about half a second a batch, an eighth of the process's
// CPU under a submission load. An id left out of a batch (a failed insert,
// a contribution left to the pending log) breaks the run: what lies between
// two ids of a run was counted in the batch, and nothing else.
//
// "~" sorts after every character of a random key (survey.NewKey's
// base64url) and of other entries' ids ("rating|…"), and all of a writer's
// ids have one length, so byte order is sequence order, on FerretDB and
// MongoDB alike.

// seqAttemptPrefix starts every numbered attempt id.
const seqAttemptPrefix = "~"

// seqAttempt is the attempt id of the writer's n-th attempt.
func seqAttempt(writer string, n int64) string {
	return fmt.Sprintf("%s%s.%012x", seqAttemptPrefix, writer, n)
}

// parseSeqAttempt splits a numbered attempt id into its writer and number.
func parseSeqAttempt(id string) (writer string, n int64, ok bool) {
	rest, found := strings.CutPrefix(id, seqAttemptPrefix)
	if !found {
		return "", 0, false
	}
	writer, num, found := strings.Cut(rest, ".")
	if !found || len(num) != 12 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 16, 64)
	if err != nil || n < 0 {
		return "", 0, false
	}
	return writer, n, true
}

// pendingIDsFilter matches exactly the entries with the ids: each run of
// consecutive numbered ids of one writer as a range, the rest by $in.
func pendingIDsFilter(ids []string) bson.D {
	type seq struct {
		writer string
		n      int64
	}
	var seqs []seq
	var others []string
	for _, id := range ids {
		if w, n, ok := parseSeqAttempt(id); ok {
			seqs = append(seqs, seq{w, n})
		} else {
			others = append(others, id)
		}
	}
	slices.SortFunc(seqs, func(a, b seq) int {
		return cmp.Or(strings.Compare(a.writer, b.writer), cmp.Compare(a.n, b.n))
	})
	var or bson.A
	for i := 0; i < len(seqs); {
		j := i
		for j+1 < len(seqs) && seqs[j+1].writer == seqs[i].writer && seqs[j+1].n <= seqs[j].n+1 {
			j++
		}
		lo, hi := seqAttempt(seqs[i].writer, seqs[i].n), seqAttempt(seqs[j].writer, seqs[j].n)
		if lo == hi {
			others = append(others, lo)
		} else {
			or = append(or, docD("_id", docD("$gte", lo, "$lte", hi)))
		}
		i = j + 1
	}
	if len(others) > 0 {
		or = append(or, docD("_id", docD("$in", others)))
	}
	switch len(or) {
	case 0:
		return docD("_id", docD("$in", bson.A{}))
	case 1:
		return or[0].(bson.D)
	}
	return docD("$or", or)
}
