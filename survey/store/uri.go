package store

// URI is the MongoDB URI of the embedded database this store started, for
// tools that measure it with the raw driver beside the service (the load
// tool's baseline). It is empty when the store was opened on a configured
// MONGODB_URI: the store does not keep that URI, which may hold credentials.
func (s *Store) URI() string {
	if s.embedded == nil {
		return ""
	}
	return s.embedded.URI()
}

// DatabaseName is the name of the database the store uses.
func (s *Store) DatabaseName() string { return s.db.Name() }
