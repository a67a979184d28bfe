// Package server owns Sluice's HTTP API: ingest compatible with the
// Confluent REST Proxy (v2 JSON and binary embedded formats) plus NDJSON
// and a tracking pixel, topic administration, record streaming with
// consumer-group positions, Prometheus metrics and the health check. It
// also owns authentication (basic and bearer, ingest and admin roles),
// overload protection (a byte budget for request bodies in flight), TLS
// and graceful shutdown, and the one mapping from errors to HTTP answers.
//
//	srv, err := server.New(eng, server.Config{
//		Ingest: server.Credentials{Tokens: []string{"s3cret"}},
//	})
//	ln, _ := net.Listen("tcp", "127.0.0.1:8080")
//	err = srv.Serve(ctx, ln) // returns once ctx ends and requests finished
//
// A 200 from an ingest endpoint means the log's Append returned: the
// records are durable as the log's fsync policy promises. A request is
// validated as a whole before anything is written.
package server
