package survey

import (
	"encoding/json"
	"time"
)

// AuditEntry records who did what and when: logins, failed logins and every
// administrative change with the record before and after (as JSON, so any
// record can be kept and shown the same way).
type AuditEntry struct {
	ID     string    `bson:"_id" json:"id"`
	At     time.Time `bson:"at" json:"at"`
	Actor  string    `bson:"actor" json:"actor"`
	Action string    `bson:"action" json:"action"`
	Target string    `bson:"target,omitempty" json:"target,omitempty"`
	Before string    `bson:"before,omitempty" json:"before,omitempty"`
	After  string    `bson:"after,omitempty" json:"after,omitempty"`
}

// NewAuditEntry makes an entry; before and after are kept as JSON (nil as "").
func NewAuditEntry(at time.Time, actor, action, target string, before, after any) AuditEntry {
	return AuditEntry{At: at, Actor: actor, Action: action, Target: target, Before: toJSON(before), After: toJSON(after)}
}

func toJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
