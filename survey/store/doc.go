package store

// # Count keeping: one lifecycle
//
// Every stored response is counted in the pre-aggregates exactly once: the
// rollups (reports, rankings, exports) and the comment pages; so is every
// kiosk quick rating, in its month's counts. A response goes through these
// steps, each keeping one invariant (a rating: see below):
//
//  1. attempt (commit.go commit, pending_ids.go). A submission gets a
//     fresh attempt id, numbered in sequence by the group commit
//     ("~<writer>.<n>") as it forms a batch. Invariant: the response
//     document records the attempt that stored it, so of two attempts for
//     one response id exactly one stored it (the insert claims the _id).
//
//  2. pending entry (commit.go writeBatch, pending.go logPendingMany). The
//     group commit writes one entry {_id: attempt, r: response id, o:
//     writer, at} per request, in one insert per batch, BEFORE any
//     response of the batch. Invariant: a stored response that is not yet
//     applied everywhere has an entry in "pending". An entry names the
//     response only: whatever an applier needs is read from the response.
//
//  3. stored (commit.go writeBatch). One insert of the batch's responses.
//     Invariant: a client is thanked only once its response is durably
//     stored; a duplicate id answers as a retry (responses.go), and its
//     entry is deleted (forgetPending) since it stored nothing.
//
//  4. queued (rollup_queue.go submit). The stored response's contribution
//     (rollups.go newContribution: the counts and the comment entry) goes
//     to the process's one writer (rollup_writer.go). Invariant: the queue
//     is memory only and may be lost; the entry is not. A full queue holds
//     submissions back (for submitWait), then leaves the contribution to
//     the pending log (dropped), which the writer reads once caught up.
//
//  5. batch record (rollup_apply.go countOnce, rollup_batches.go). The
//     writer lists the entries it holds in one record {_id: "<writer>|
//     <seq>", ids, lease} before it touches any pre-aggregate. Invariant:
//     a batch cut short leaves its record, and is replayed under the same
//     tag (batchTag) with the same entries, by this process at its next
//     start (reconcile.go) or, on MongoDB, by another once the record's
//     lease and the writer's heartbeat are a grace period old
//     (leaseRecord, liveWriters; takeOver for entries outside any record).
//     The grace period and the clock are Config.TakeoverGrace and
//     Config.Clock.
//
//  6. applied (applier.go applyAll). Each applier applies the batch in
//     turn: the rollups (rollup_apply.go apply), the comment pages
//     (comment_apply.go applyComments) and the kiosk ratings
//     (rating_apply.go applyRatings). Invariant: an applier is exactly
//     once per tag. A rollup document records the last batch of each
//     writer it took (field w) and skips a batch it has; a comment head
//     records the batch that reserved its slots (field w), and a replay
//     then appends only what the pages lack; a rating month records each
//     rating it counted (field seen) and skips it after, whatever the tag.
//     Attention items (attention.go) are inserted before the record, by
//     response id (claim by insert).
//
//  7. cleared (pending.go deletePending, rollup_batches.go dropRecord).
//     The batch's entries are deleted in one statement once every applier
//     has applied it (by ranges of consecutive numbered ids: pending_ids.go),
//     then its record. Invariant: an entry is deleted
//     only after all its consumers applied it, so a crash anywhere before
//     loses nothing, and a crash after counts nothing twice.
//
// An entry whose response is not stored (the process died between steps 2
// and 3) is deleted once a grace period old; one whose response was stored
// by another attempt is deleted at once (reconcile.go resolve).
//
// A rebuild (rebuild.go, comment_rebuild.go) recomputes the pre-aggregates
// from the responses: it pauses the writer it rebuilds for, leaves out the
// responses whose entries are pending when it starts or written while it
// runs (excludePending: the lifecycle applies them afterwards), and carries
// the comment heads' batch tags over.
//
// Kiosk quick ratings (ratings.go InsertRating, rating_apply.go) take the
// same steps without the group commit: the entry {_id: "rating|<rating
// id>", k: rating id, o, at} is written before the rating (its id follows
// from the rating's, so a retry finds the first attempt's entry), the
// stored rating is queued to the writer, and the batch's "ratings" applier
// counts it. A read of the ratings waits (briefly) for the ratings this
// process has queued, so a dashboard shows a rating as soon as it is
// stored. Entries left by older versions in their own log
// ("rating_pending") are moved into "pending" at start
// (migrateRatingPending), then counted once.
//
// A new consumer of stored responses (another pre-aggregate) is one more
// entry in appliers (applier.go): a function that applies an appliedBatch
// exactly once per tag, skipping what carries the tag when checked.
