// Package client is the Go client of the Sluice server's topic and ingest
// API (REST Proxy-shaped JSON over HTTP): topic administration, NDJSON and
// binary produce, the streaming records endpoint and consumer-group
// offsets; and of its ksqlDB REST API (statements, query streams), which
// `sluice sql` speaks. Failed calls return a *Error carrying the HTTP status and the
// server's error_code and message; a server that is not listening gives an
// error matching ErrUnreachable that says how to start one.
//
//	c, err := client.New(client.Options{URL: "http://127.0.0.1:8080", Token: tok})
//	if err != nil {
//		return err
//	}
//	if _, err := c.CreateTopic(ctx, "clicks", client.TopicSpec{Partitions: 3}); err != nil {
//		var ce *client.Error
//		if !errors.As(err, &ce) || ce.Status != http.StatusConflict {
//			return err
//		}
//	}
//	res, err := c.ProduceNDJSON(ctx, "clicks", []byte(`{"id":"a","n":1}`+"\n"), "id")
//	err = c.Consume(ctx, "clicks", client.ConsumeParams{Offset: "beginning"}, func(r client.Record) error {
//		fmt.Printf("%d/%d %s\n", r.Partition, r.Offset, r.Value)
//		return nil
//	})
package client
