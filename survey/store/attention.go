package store

// The attention queue (issue 18) lives in two small collections:
//
//	attention:          {_id: <response id>, agency, area, channel, day,
//	                     reasons, factors, overall, answers, comment, contact,
//	                     state, note, created, updated, resolved, history}
//	attention_contacts: {_id: <response id>, agency, sealed: <AES-GCM>,
//	                     created, expires}
//
// An item's _id is its response's id, so inserting it is idempotent. The
// group commit works out the items of its new responses (after they are
// stored) and hands them to the rollup writer with their counts; the writer
// inserts a batch's items in one insertMany before it deletes the batch's
// pending entries (rollup_apply.go: countOnce), so a submission costs no
// extra write of its own and an item appears within the writer's linger
// (2 s; FlushRollups waits for it). Should the process die first, or the
// writer's queue overflow, the response's pending entry is still in the log,
// and the reconciler that counts it inserts the item too (reconcile.go:
// resolve). A retried submission (a duplicate) inserts it again, ignoring
// the duplicate. An item is thus written exactly once for every response
// that needs one, never for one that was not stored.
//
// A contact is inserted before the response (InsertResponse), so it is
// never lost once the response is stored; one whose response was never
// stored expires with the others. Only its sealed bytes are stored.
//
// Only responses that need attention make items, a small part of all, so
// listing reads the agency's items with a filter (FerretDB scans the
// collection: DESIGN.md §2; fine at this size).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Collection names of the queue.
const (
	attentionColl = "attention"
	contactsColl  = "attention_contacts"
)

// attentionState is the store's queue configuration and the lock that
// serialises changes of an item (FerretDB loses concurrent updates of one
// document).
type attentionState struct {
	mu      sync.RWMutex
	rule    *survey.AttentionRule
	created AttentionHook
	await   bool // no hook yet is an error: see Config.AwaitAttentionHook
	upd     sync.Mutex
}

// errNoAttentionHook: items were written before the hook was set, with
// Config.AwaitAttentionHook: their pending entries stay until it is.
var errNoAttentionHook = errors.New("attention items wait for their hook")

// AttentionHook is told of attention items just written: at least once per
// item (again after a crash, a retry or a failed call), always before the
// pending entry of the item's response is deleted, so an item written is
// never missed. It must be idempotent, keyed by the item's id (the webhook
// outbox is). An error is retried with the rollup batch (or the reconciler's
// pass); it must not block for long: it runs on the rollup writer.
type AttentionHook func(ctx context.Context, items []survey.AttentionItem) error

// OnAttentionCreated sets the hook told of new items (nil for none): the
// notifications queue each new item's webhook call there.
//
// Items written at start (the reconciler healing a crash) before the hook is
// set are told once it is, when the store was opened with
// Config.AwaitAttentionHook: their pending entries wait until then.
func (s *Store) OnAttentionCreated(h AttentionHook) {
	s.attention.mu.Lock()
	s.attention.created = h
	s.attention.mu.Unlock()
	if w := s.rollups.writer; w != nil && h != nil {
		select {
		case w.kick <- struct{}{}: // the reconciler tells what waited
		default:
		}
	}
}

// tellCreated calls the hook, if any, with the items.
func (s *Store) tellCreated(ctx context.Context, items []survey.AttentionItem) error {
	if len(items) == 0 {
		return nil
	}
	s.attention.mu.RLock()
	h, await := s.attention.created, s.attention.await
	s.attention.mu.RUnlock()
	if h == nil {
		if await {
			return errNoAttentionHook
		}
		return nil
	}
	rule, now := s.AttentionRule(), time.Now()
	items = slices.Clone(items)
	for i := range items {
		items[i].SetDue(rule, now)
	}
	if err := h(ctx, items); err != nil {
		return fmt.Errorf("attention hook: %w", err)
	}
	return nil
}

// SetAttentionRule sets the rule that decides which responses enter the
// queue and when an item is overdue; DefaultAttentionRule until called.
func (s *Store) SetAttentionRule(r survey.AttentionRule) {
	s.attention.mu.Lock()
	defer s.attention.mu.Unlock()
	s.attention.rule = &r
}

// AttentionRule returns the rule in force.
func (s *Store) AttentionRule() survey.AttentionRule {
	s.attention.mu.RLock()
	defer s.attention.mu.RUnlock()
	if s.attention.rule == nil {
		return survey.DefaultAttentionRule()
	}
	return *s.attention.rule
}

func (s *Store) attentionItems() *mongo.Collection { return s.db.Collection(attentionColl) }
func (s *Store) contactColl() *mongo.Collection    { return s.db.Collection(contactsColl) }

// attentionItem applies the rule to a stored response; contact says the
// citizen left a contact.
func (s *Store) attentionItem(ctx context.Context, r survey.Response, contact bool) (survey.AttentionItem, bool) {
	var f *survey.Form
	if cat, err := s.Catalog(ctx); err == nil {
		if form, err := cat.FormVersion(r.FormID, r.FormVersion); err == nil {
			f = &form
		}
	}
	return survey.NeedsAttention(r, f, s.AttentionRule(), contact)
}

// insertAttention inserts items, ignoring those that exist already.
func (s *Store) insertAttention(ctx context.Context, items []survey.AttentionItem) error {
	if len(items) == 0 {
		return nil
	}
	docs := make([]any, len(items))
	for i, it := range items {
		docs[i] = it
	}
	_, err := s.attentionItems().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil && len(bwe.WriteErrors) > 0 {
		for _, we := range bwe.WriteErrors {
			if !we.HasErrorCode(11000) {
				return fmt.Errorf("insert attention items: %w", classify(we))
			}
		}
		return nil // each one exists: written before
	}
	return fmt.Errorf("insert attention items: %w", classify(err))
}

// attachAttention gives the contribution of each new response of a group
// commit (failed holds the indexes not inserted) its attention item, when
// it needs one; the rollup writer inserts it.
func (s *Store) attachAttention(ctx context.Context, batch []*commitReq, failed map[int]error) {
	for i, r := range batch {
		if _, ok := failed[i]; ok {
			continue
		}
		if it, ok := s.attentionItem(ctx, r.doc.Response, len(r.doc.Contact) > 0); ok {
			r.c.attn = &it
		}
	}
}

// attentionOf lists the attention items the contributions carry.
func attentionOf(cs []contribution) []survey.AttentionItem {
	var items []survey.AttentionItem
	for _, c := range cs {
		if c.attn != nil {
			items = append(items, *c.attn)
		}
	}
	return items
}

// ensureAttention writes the item of a stored response if it needs one and
// has none (a retry, a replay after a crash). Whether a contact was left is
// read from the contacts.
func (s *Store) ensureAttention(ctx context.Context, r survey.Response) error {
	has, err := s.hasContact(ctx, r.ID)
	if err != nil {
		return err
	}
	it, ok := s.attentionItem(ctx, r, has)
	if !ok {
		return nil
	}
	items := []survey.AttentionItem{it}
	if err := s.insertAttention(ctx, items); err != nil {
		return err
	}
	return s.tellCreated(ctx, items)
}

// AttentionFilter selects items. Agencies is required (the caller has
// checked the user may see each). State selects one state; Open only the
// unresolved; Overdue only the overdue; Since only items created at or
// after it (for digests of new items).
type AttentionFilter struct {
	Agencies []string
	State    survey.AttentionState
	Open     bool
	Overdue  bool
	Since    time.Time
	// Now is the time overdue is judged at; time.Now() when zero.
	Now time.Time
	// Limit bounds the items returned (after sorting); 0 for all.
	Limit int
}

// ListAttention lists the items matching the filter, newest first, with
// Due and Overdue set under the rule in force.
func (s *Store) ListAttention(ctx context.Context, f AttentionFilter) ([]survey.AttentionItem, error) {
	if len(f.Agencies) == 0 {
		return []survey.AttentionItem{}, nil
	}
	now := f.Now
	if now.IsZero() {
		now = time.Now()
	}
	filter := bson.D{{Key: "agency", Value: bson.D{{Key: "$in", Value: f.Agencies}}}}
	if f.State != "" {
		filter = append(filter, bson.E{Key: "state", Value: string(f.State)})
	}
	if !f.Since.IsZero() {
		filter = append(filter, bson.E{Key: "created", Value: bson.D{{Key: "$gte", Value: f.Since}}})
	}
	cur, err := s.attentionItems().Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("list attention: %w", classify(err))
	}
	var items []survey.AttentionItem
	if err := cur.All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list attention: %w", classify(err))
	}
	rule := s.AttentionRule()
	out := items[:0]
	for _, it := range items {
		it.SetDue(rule, now)
		if (f.Open || f.Overdue) && !it.Open() || f.Overdue && !it.Overdue {
			continue
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID > out[j].ID
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	if out == nil {
		out = []survey.AttentionItem{}
	}
	return out, nil
}

// AttentionItem reads one item by id, with Due and Overdue set.
func (s *Store) AttentionItem(ctx context.Context, id string, now time.Time) (survey.AttentionItem, error) {
	var it survey.AttentionItem
	if err := s.attentionItems().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&it); err != nil {
		return it, classify(err)
	}
	it.SetDue(s.AttentionRule(), now)
	return it, nil
}

// AttentionSummary counts the queue of each agency at now.
func (s *Store) AttentionSummary(ctx context.Context, agencies []string, now time.Time) (map[string]survey.AttentionCounts, error) {
	by, err := s.AttentionByAgency(ctx, now)
	if err != nil {
		return nil, err
	}
	out := make(map[string]survey.AttentionCounts, len(agencies))
	for _, a := range agencies {
		out[a] = survey.CountAttention(by[a])
	}
	return out, nil
}

// AttentionByAgency reads every item, by agency, with only what counting
// needs (agency, state, dates: a projection, so the answers, comments and
// histories are not sent), with Due and Overdue set at now.
func (s *Store) AttentionByAgency(ctx context.Context, now time.Time) (map[string][]survey.AttentionItem, error) {
	proj := bson.D{{Key: "agency", Value: 1}, {Key: "state", Value: 1}, {Key: "created", Value: 1}, {Key: "resolved", Value: 1}}
	cur, err := s.attentionItems().Find(ctx, bson.D{}, options.Find().SetProjection(proj))
	if err != nil {
		return nil, fmt.Errorf("count attention: %w", classify(err))
	}
	var items []survey.AttentionItem
	if err := cur.All(ctx, &items); err != nil {
		return nil, fmt.Errorf("count attention: %w", classify(err))
	}
	rule := s.AttentionRule()
	by := map[string][]survey.AttentionItem{}
	for _, it := range items {
		it.SetDue(rule, now)
		by[it.Agency] = append(by[it.Agency], it)
	}
	return by, nil
}

// UpdateAttention sets an item's state and note, by the user, at the time,
// and records the change in its history. Resolving an item deletes its
// contact. It returns the item before and after. The caller checks that
// the user may, and that the state is settable.
func (s *Store) UpdateAttention(ctx context.Context, id string, state survey.AttentionState, note, by string, at time.Time) (before, after survey.AttentionItem, err error) {
	if !survey.SettableAttentionState(state) {
		return before, after, survey.FieldErrors{"state": survey.ProblemInvalid}
	}
	s.attention.upd.Lock()
	defer s.attention.upd.Unlock()
	before, err = s.AttentionItem(ctx, id, at)
	if err != nil {
		return before, after, err
	}
	at = dbTime(at)
	change := survey.AttentionChange{State: state, Note: note, By: by, At: at}
	set := bson.D{{Key: "state", Value: string(state)}, {Key: "note", Value: note}, {Key: "updated", Value: at}}
	var unset bson.D
	if state == survey.AttentionResolved {
		set = append(set, bson.E{Key: "resolved", Value: at})
	} else {
		unset = bson.D{{Key: "resolved", Value: ""}}
	}
	upd := bson.D{{Key: "$set", Value: set}, {Key: "$push", Value: bson.D{{Key: "history", Value: change}}}}
	if unset != nil && before.Resolved != nil {
		upd = append(upd, bson.E{Key: "$unset", Value: unset})
	}
	res, err := s.attentionItems().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, upd)
	if err != nil {
		return before, after, fmt.Errorf("update attention: %w", classify(err))
	}
	if res.MatchedCount == 0 {
		return before, after, survey.ErrNotFound
	}
	if state == survey.AttentionResolved {
		if err := s.DeleteContact(ctx, id); err != nil {
			return before, after, err
		}
	}
	after, err = s.AttentionItem(ctx, id, at)
	return before, after, err
}

// contactDoc is a sealed contact.
type contactDoc struct {
	ID      string    `bson:"_id"`
	Agency  string    `bson:"agency"`
	Sealed  []byte    `bson:"sealed"`
	Created time.Time `bson:"created"`
	Expires time.Time `bson:"expires"`
}

// storeContact stores the sealed contact of a response about to be
// inserted; a retry finds it stored already.
func (s *Store) storeContact(ctx context.Context, r survey.Response) error {
	now := dbTime(time.Now())
	d := contactDoc{ID: r.ID, Agency: r.Agency, Sealed: r.Contact, Created: now, Expires: now.Add(survey.ContactRetention)}
	if _, err := s.contactColl().InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store contact: %w", classify(err))
	}
	return nil
}

// hasContact reports whether a live contact is kept for the response.
func (s *Store) hasContact(ctx context.Context, id string) (bool, error) {
	_, err := s.Contact(ctx, id, time.Now())
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, survey.ErrNotFound):
		return false, nil
	}
	return false, err
}

// Contact returns the sealed contact left with the response (the item
// id), survey.ErrNotFound when there is none or it has expired at now.
// Only the attention item's page and API read it, for its agency's staff.
func (s *Store) Contact(ctx context.Context, id string, now time.Time) ([]byte, error) {
	var d contactDoc
	if err := s.contactColl().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, classify(err)
	}
	if !now.Before(d.Expires) {
		return nil, survey.ErrNotFound
	}
	return d.Sealed, nil
}

// DeleteContact deletes the contact of a response, if any.
func (s *Store) DeleteContact(ctx context.Context, id string) error {
	if _, err := s.contactColl().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete contact: %w", classify(err))
	}
	return nil
}

// PurgeContacts deletes every contact expired at now, and every contact
// whose item is resolved (a resolution whose deletion failed), and returns
// how many went.
func (s *Store) PurgeContacts(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.contactColl().DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("purge contacts: %w", classify(err))
	}
	n := res.DeletedCount
	cur, err := s.contactColl().Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return n, fmt.Errorf("purge contacts: %w", classify(err))
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return n, fmt.Errorf("purge contacts: %w", classify(err))
	}
	for _, d := range ids {
		it, err := s.AttentionItem(ctx, d.ID, now)
		if err != nil || it.Open() {
			continue
		}
		if err := s.DeleteContact(ctx, d.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
