// Package export lays out and writes the aggregates and responses exports:
// the columns of each (AggregateLayout, ResponseLayout) and their rows of
// cells (Value), what a release of the k-anonymity rule hides in a row
// (Mask), the periods an export is cut into (Split), and the writers of
// each format (Formats: CSV, JSON, JSON Lines, XLSX), which encode rows
// onto an io.Writer and know nothing of HTTP.
//
// It builds on package survey, which does not import it; the HTTP side
// (the query, the handlers, the running exports and their limits) is in
// package server.
package export
