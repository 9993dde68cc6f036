// Package storetest is the conformance suite of package store. Its tests
// run every store method against SQLite and PostgreSQL (see testdb) and
// assert returned values and stored rows, so that the two dialects cannot
// drift apart unnoticed. The package itself holds no code.
package storetest
