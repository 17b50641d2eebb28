package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/survey"
)

// Notifications (issue 18): each agency's settings (notify_settings), the
// webhook outbox (webhook_outbox: one row per call to make, kept after as
// the delivery log), the per-agency delivery leases (webhook_agencies: at
// most one call in flight per agency, among every process sharing the
// database) and the digests sent (digests: one record per agency and day).
// No transactions: rows are claimed with conditional single-document
// updates, as the rollup batches are (rollup_batches.go). Among processes
// on MongoDB the agency lease (claimed by insert, then renewed or taken
// over by a conditional update) keeps one call per agency in flight; on
// the embedded FerretDB, which one process uses and whose conditional
// updates are not atomic against each other (DESIGN.md §2), the insert's
// unique _id and the worker's single goroutine per agency do.

func (s *Store) notifySettings() *mongo.Collection { return s.db.Collection("notify_settings") }
func (s *Store) webhookOutbox() *mongo.Collection  { return s.db.Collection("webhook_outbox") }
func (s *Store) webhookLeases() *mongo.Collection  { return s.db.Collection("webhook_agencies") }
func (s *Store) digests() *mongo.Collection        { return s.db.Collection("digests") }

// notifyIndexes are the indexes the notifications' queries need on
// MongoDB (ensureIndexes; none on the embedded FerretDB, store.go says why).
var notifyIndexes = []struct {
	coll string
	keys any
}{
	{"webhook_outbox", docD("state", 1, "nextAt", 1)},
	{"webhook_outbox", docD("agency", 1, "createdAt", -1)},
	{"digests", docD("agency", 1, "at", -1)},
}

func (s *Store) ensureNotifyIndexes(ctx context.Context) error {
	for _, ix := range notifyIndexes {
		if _, err := s.db.Collection(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys}); err != nil {
			return fmt.Errorf("create indexes: %w", classify(err))
		}
	}
	return nil
}

type notifyDoc struct {
	Agency    string    `bson:"_id"`
	Emails    []string  `bson:"emails"`
	URL       string    `bson:"url"`
	Secret    string    `bson:"secret"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

func (d notifyDoc) settings() survey.NotifySettings {
	return survey.NotifySettings{Agency: d.Agency, Emails: d.Emails, WebhookURL: d.URL, WebhookSecret: d.Secret, UpdatedAt: d.UpdatedAt}
}

// NotifySettings returns an agency's notification settings; empty ones
// when none were set.
func (s *Store) NotifySettings(ctx context.Context, agency string) (survey.NotifySettings, error) {
	var d notifyDoc
	err := s.notifySettings().FindOne(ctx, docD("_id", agency)).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return survey.NotifySettings{Agency: agency}, nil
	}
	if err != nil {
		return survey.NotifySettings{}, fmt.Errorf("read notification settings: %w", classify(err))
	}
	return d.settings(), nil
}

// SetNotifySettings replaces an agency's notification settings.
func (s *Store) SetNotifySettings(ctx context.Context, n survey.NotifySettings) error {
	d := notifyDoc{Agency: n.Agency, Emails: n.Emails, URL: n.WebhookURL, Secret: n.WebhookSecret, UpdatedAt: n.UpdatedAt}
	if d.Emails == nil {
		d.Emails = []string{}
	}
	err := upsert(ctx, s.notifySettings(), n.Agency, d)
	if err != nil {
		return fmt.Errorf("store notification settings: %w", classify(err))
	}
	return nil
}

// AllNotifySettings lists the settings of every agency that has some.
func (s *Store) AllNotifySettings(ctx context.Context) ([]survey.NotifySettings, error) {
	cur, err := s.notifySettings().Find(ctx, bson.D{}, options.Find().SetSort(docD("_id", 1)))
	if err != nil {
		return nil, fmt.Errorf("read notification settings: %w", classify(err))
	}
	var ds []notifyDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, fmt.Errorf("read notification settings: %w", classify(err))
	}
	out := make([]survey.NotifySettings, len(ds))
	for i, d := range ds {
		out[i] = d.settings()
	}
	return out, nil
}

type deliveryDoc struct {
	ID          string    `bson:"_id"`
	Agency      string    `bson:"agency"`
	Event       string    `bson:"event"`
	ItemID      string    `bson:"item,omitempty"`
	Body        []byte    `bson:"body"`
	State       string    `bson:"state"`
	Attempts    int       `bson:"attempts"`
	CreatedAt   time.Time `bson:"createdAt"`
	NextAt      time.Time `bson:"nextAt"`
	LeaseUntil  time.Time `bson:"lease"`
	LastStatus  int       `bson:"lastStatus"`
	LastError   string    `bson:"lastError"`
	FinishedAt  time.Time `bson:"finishedAt"`
	LastAttempt time.Time `bson:"lastAttempt"`
}

func (d deliveryDoc) delivery() survey.Delivery {
	return survey.Delivery{ID: d.ID, Agency: d.Agency, Event: d.Event, ItemID: d.ItemID, Body: d.Body, State: d.State,
		Attempts: d.Attempts, CreatedAt: d.CreatedAt, NextAt: d.NextAt, LeaseUntil: d.LeaseUntil, LastStatus: d.LastStatus,
		LastError: d.LastError, FinishedAt: d.FinishedAt, LastAttempt: d.LastAttempt}
}

func deliveryOf(d survey.Delivery) deliveryDoc {
	return deliveryDoc{ID: d.ID, Agency: d.Agency, Event: d.Event, ItemID: d.ItemID, Body: d.Body, State: d.State,
		Attempts: d.Attempts, CreatedAt: d.CreatedAt, NextAt: d.NextAt, LeaseUntil: d.LeaseUntil, LastStatus: d.LastStatus,
		LastError: d.LastError, FinishedAt: d.FinishedAt, LastAttempt: d.LastAttempt}
}

// EnqueueDelivery puts a webhook call in the outbox. A call already there
// under the same id is kept as it is (created reports false): queuing an
// item twice sends it once.
func (s *Store) EnqueueDelivery(ctx context.Context, d survey.Delivery) (created bool, err error) {
	_, err = s.webhookOutbox().InsertOne(ctx, deliveryOf(d))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue webhook call: %w", classify(err))
	}
	return true, nil
}

// DueAgencies lists the agencies with a pending call due at now.
func (s *Store) DueAgencies(ctx context.Context, now time.Time) ([]string, error) {
	cur, err := s.webhookOutbox().Find(ctx, docD("state", survey.DeliveryPending, "nextAt", docD("$lte", now)),
		options.Find().SetProjection(docD("agency", 1)).SetLimit(1000))
	if err != nil {
		return nil, fmt.Errorf("read webhook outbox: %w", classify(err))
	}
	var rows []struct {
		Agency string `bson:"agency"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read webhook outbox: %w", classify(err))
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if !seen[r.Agency] {
			seen[r.Agency] = true
			out = append(out, r.Agency)
		}
	}
	return out, nil
}

// NextDue is when the earliest pending call falls due (zero: none pending).
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	var d deliveryDoc
	err := s.webhookOutbox().FindOne(ctx, docD("state", survey.DeliveryPending),
		options.FindOne().SetSort(docD("nextAt", 1)).SetProjection(docD("nextAt", 1))).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read webhook outbox: %w", classify(err))
	}
	return d.NextAt, nil
}

// LeaseAgency takes (or renews) the right to make an agency's webhook
// calls until now+ttl; false when another owner holds it. Claim by insert,
// then a conditional update: no transactions.
func (s *Store) LeaseAgency(ctx context.Context, agency, owner string, now time.Time, ttl time.Duration) (bool, error) {
	c := s.webhookLeases()
	_, err := c.InsertOne(ctx, docD("_id", agency, "owner", owner, "until", now.Add(ttl)))
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, fmt.Errorf("lease webhook agency: %w", classify(err))
	}
	res, err := c.UpdateOne(ctx,
		docD("_id", agency, "$or", bson.A{docD("owner", owner), docD("until", docD("$lte", now))}),
		docD("$set", docD("owner", owner, "until", now.Add(ttl))))
	if err != nil {
		return false, fmt.Errorf("lease webhook agency: %w", classify(err))
	}
	return res.MatchedCount == 1, nil
}

// ReleaseAgency gives up an agency's lease held by owner.
func (s *Store) ReleaseAgency(ctx context.Context, agency, owner string) error {
	_, err := s.webhookLeases().DeleteOne(ctx, docD("_id", agency, "owner", owner))
	return classify(err)
}

// ClaimDelivery takes the agency's pending call due earliest (nextAt ≤
// now, not leased by another try), leasing it until now+ttl; nil when none.
func (s *Store) ClaimDelivery(ctx context.Context, agency string, now time.Time, ttl time.Duration) (*survey.Delivery, error) {
	var d deliveryDoc
	err := s.webhookOutbox().FindOneAndUpdate(ctx,
		docD("agency", agency, "state", survey.DeliveryPending, "nextAt", docD("$lte", now), "lease", docD("$lte", now)),
		docD("$set", docD("lease", now.Add(ttl))),
		options.FindOneAndUpdate().SetSort(docD("nextAt", 1)).SetReturnDocument(options.After)).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim webhook call: %w", classify(err))
	}
	out := d.delivery()
	return &out, nil
}

// FinishTry records the outcome of one try of a call claimed with
// ClaimDelivery (its state, attempts, next time and last answer), and
// releases its lease.
func (s *Store) FinishTry(ctx context.Context, d survey.Delivery) error {
	_, err := s.webhookOutbox().UpdateOne(ctx, docD("_id", d.ID, "state", survey.DeliveryPending),
		docD("$set", docD("state", d.State, "attempts", d.Attempts, "nextAt", d.NextAt, "lease", time.Time{},
			"lastStatus", d.LastStatus, "lastError", d.LastError, "finishedAt", d.FinishedAt, "lastAttempt", d.LastAttempt)))
	if err != nil {
		return fmt.Errorf("record webhook try: %w", classify(err))
	}
	return nil
}

// Deliveries lists an agency's webhook calls, newest first.
func (s *Store) Deliveries(ctx context.Context, agency string, limit int64) ([]survey.Delivery, error) {
	cur, err := s.webhookOutbox().Find(ctx, docD("agency", agency),
		options.Find().SetSort(docD("createdAt", -1)).SetLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("read webhook log: %w", classify(err))
	}
	var ds []deliveryDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, fmt.Errorf("read webhook log: %w", classify(err))
	}
	out := make([]survey.Delivery, len(ds))
	for i, d := range ds {
		out[i] = d.delivery()
	}
	return out, nil
}

// PruneDeliveries deletes finished calls older than before.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) error {
	_, err := s.webhookOutbox().DeleteMany(ctx, docD("state", docD("$ne", survey.DeliveryPending), "createdAt", docD("$lt", before)))
	return classify(err)
}

// Digest record states.
const (
	DigestSending = "sending"
	DigestSent    = "sent"
	DigestEmpty   = "empty" // nothing to say that day: no mail
)

type digestDoc struct {
	ID      string    `bson:"_id"` // agency|day
	Agency  string    `bson:"agency"`
	Day     string    `bson:"day"`
	State   string    `bson:"state"`
	At      time.Time `bson:"at"`
	Fresh   int       `bson:"fresh"`
	Overdue int       `bson:"overdue"`
}

// digestStale is how long a "sending" record blocks another try: a
// process that died while sending leaves one behind.
const digestStale = 15 * time.Minute

// ClaimDigest records that the agency's digest of day is being sent; false
// when it was sent (or is being sent) already: a restart the same day does
// not send it again.
func (s *Store) ClaimDigest(ctx context.Context, agency, day string, now time.Time) (bool, error) {
	id := agency + "|" + day
	_, err := s.digests().InsertOne(ctx, digestDoc{ID: id, Agency: agency, Day: day, State: DigestSending, At: now})
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, fmt.Errorf("claim digest: %w", classify(err))
	}
	res, err := s.digests().UpdateOne(ctx, docD("_id", id, "state", DigestSending, "at", docD("$lte", now.Add(-digestStale))),
		docD("$set", docD("at", now)))
	if err != nil {
		return false, fmt.Errorf("claim digest: %w", classify(err))
	}
	return res.MatchedCount == 1, nil
}

// RecordDigest marks the agency's digest of day sent (or empty), with the
// counts it held; it creates the record when there was no claim (a digest
// an administrator sent by hand).
func (s *Store) RecordDigest(ctx context.Context, agency, day, state string, at time.Time, fresh, overdue int) error {
	err := upsert(ctx, s.digests(), agency+"|"+day,
		digestDoc{ID: agency + "|" + day, Agency: agency, Day: day, State: state, At: at, Fresh: fresh, Overdue: overdue})
	if err != nil {
		return fmt.Errorf("record digest: %w", classify(err))
	}
	return nil
}

// DropDigest removes the claim of a digest that could not be sent, so the
// next pass tries again.
func (s *Store) DropDigest(ctx context.Context, agency, day string) error {
	_, err := s.digests().DeleteOne(ctx, docD("_id", agency+"|"+day, "state", DigestSending))
	return classify(err)
}

// LastDigest is when the agency's last digest was sent or found empty
// (zero: never).
func (s *Store) LastDigest(ctx context.Context, agency string) (time.Time, error) {
	var d digestDoc
	err := s.digests().FindOne(ctx, docD("agency", agency, "state", docD("$in", bson.A{DigestSent, DigestEmpty})),
		options.FindOne().SetSort(docD("at", -1))).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read digests: %w", classify(err))
	}
	return d.At, nil
}

// upsert replaces the document of that _id, inserting it if there is none.
// Two upserts of one new _id at once may both try the insert: the loser's
// duplicate key error means the document now exists, and its replace is
// tried again. FerretDB may report that error as InternalError (code 1)
// instead of E11000 (DESIGN.md §2).
func upsert(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	_, err := c.ReplaceOne(ctx, docD("_id", id), doc, options.Replace().SetUpsert(true))
	var se mongo.ServerError
	if mongo.IsDuplicateKeyError(err) || (errors.As(err, &se) && se.HasErrorCode(1)) {
		_, err = c.ReplaceOne(ctx, docD("_id", id), doc, options.Replace().SetUpsert(true))
	}
	return err
}
