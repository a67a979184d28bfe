package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// A stream joined to a table on a column that is not its key is
// repartitioned by it, on four partitions; each rating is enriched with
// the customer's row once, also after a restart, which rebuilds the
// table's side from the join topic.
func TestStreamTableJoinRepartitionsAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, dir)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE TABLE customers (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='customers', partitions=4, value_format='JSON');
CREATE STREAM ratings (rid STRING KEY, customer STRING, stars INT) WITH (kafka_topic='ratings', partitions=4, value_format='JSON');
CREATE STREAM enriched AS SELECT r.customer, r.rid, r.stars, c.name FROM ratings r LEFT JOIN customers c ON r.customer = c.id;`)
	q := e.Queries()[0]
	if !q.Repartitioned {
		t.Fatal("the query does not say it repartitioned its stream")
	}
	for i := 0; i < 40; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO customers (id, name) VALUES ('c%d', 'name%d');", i, i))
	}
	// The table's rows are in the join's topic before any rating.
	follow(t, e.Log(), joinTopic(q.ID, 0), 40)
	insertRatings := func(from, to int) {
		for i := from; i < to; i++ {
			mustExec(t, e, nil, fmt.Sprintf("INSERT INTO ratings (rid, customer, stars) VALUES ('r%d', 'c%d', %d);", i, i%50, i%5))
		}
	}
	// Each rating is there once, with its customer's name when the table
	// has the customer (c0..c39), else without.
	check := func(vals []string, n int) {
		t.Helper()
		seen := map[string]bool{}
		for _, v := range vals {
			var row struct {
				RID  string
				NAME *string
			}
			if err := json.Unmarshal([]byte(v), &row); err != nil {
				t.Fatalf("%s: %v", v, err)
			}
			if seen[row.RID] {
				t.Fatalf("%s twice", row.RID)
			}
			seen[row.RID] = true
			var i int
			fmt.Sscanf(row.RID, "r%d", &i)
			want := fmt.Sprintf("name%d", i%50)
			if i%50 >= 40 && row.NAME != nil || i%50 < 40 && (row.NAME == nil || *row.NAME != want) {
				t.Fatalf("%s: rating %s of customer c%d", v, row.RID, i%50)
			}
		}
		if len(seen) != n {
			t.Fatalf("%d ratings, want %d", len(seen), n)
		}
	}
	insertRatings(0, 100)
	check(follow(t, e.Log(), "ENRICHED", 100), 100)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = openDir(t, dir)
	defer e.Close()
	insertRatings(100, 150)
	check(follow(t, e.Log(), "ENRICHED", 150), 150)
	d := mustExec(t, e, nil, "DESCRIBE ENRICHED EXTENDED;")[0].(*SourceDescriptionEntity).SourceDescription
	if !strings.Contains(d.Statistics, "repartitioned: yes") {
		t.Errorf("DESCRIBE EXTENDED does not say the join repartitioned: %q", d.Statistics)
	}
	readers := mustExec(t, e, nil, "DESCRIBE CUSTOMERS;")[0].(*SourceDescriptionEntity).SourceDescription.ReadQueries
	if len(readers) != 1 {
		t.Errorf("DESCRIBE CUSTOMERS lists %d reading queries, want the join", len(readers))
	}
	if got := len(readAll(t, e.Log(), "ENRICHED")); got != 150 {
		t.Fatalf("ENRICHED holds %d records, want 150", got)
	}
}

// A table-table join follows both tables' updates and deletions: its
// result table ends as the join of the tables' last rows.
func TestTableTableJoinFollowsUpdatesAndDeletes(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE TABLE users (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='users', partitions=1, value_format='JSON');
CREATE TABLE accounts (id INT PRIMARY KEY, balance INT) WITH (kafka_topic='accounts', partitions=1, value_format='JSON');
CREATE TABLE joined AS SELECT u.id, name, balance FROM users u LEFT JOIN accounts a ON u.id = a.id;`)
	users := map[int]string{}
	accounts := map[int]int{}
	for i := 0; i < 60; i++ {
		k := i % 7
		switch i % 4 {
		case 0, 1:
			mustExec(t, e, nil, fmt.Sprintf("INSERT INTO users (id, name) VALUES (%d, 'u%d');", k, i))
			users[k] = fmt.Sprintf("u%d", i)
		case 2:
			mustExec(t, e, nil, fmt.Sprintf("INSERT INTO accounts (id, balance) VALUES (%d, %d);", k, i))
			accounts[k] = i
		case 3:
			if _, err := l.Append(t.Context(), "accounts", 0, tombstone(k)); err != nil {
				t.Fatal(err)
			}
			delete(accounts, k)
		}
		if err := e.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// Deleting a user deletes its joined row.
	delete(users, 3)
	if _, err := l.Append(t.Context(), "users", 0, tombstone(3)); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := tableOf(t, l, "JOINED")
	want := map[string]string{}
	for k, name := range users {
		bal := "null"
		if b, ok := accounts[k]; ok {
			bal = fmt.Sprint(b)
		}
		want[string(intKey(k))] = fmt.Sprintf(`{"NAME":"%s","BALANCE":%s}`, name, bal)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("joined table:\n%v\nwant:\n%v", got, want)
	}
}

// intKey is an INT key in the KAFKA format.
func intKey(k int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(k)) }

func tombstone(k int) []log.Record { return []log.Record{{Key: intKey(k)}} }

// A foreign-key join's result table, after random changes of both
// tables (rows moving between foreign keys, deletions on either side),
// is the join of the tables' last rows, for an inner and a left join.
func TestForeignKeyJoinMatchesItsTables(t *testing.T) {
	for _, kind := range []string{"JOIN", "LEFT JOIN"} {
		t.Run(kind, func(t *testing.T) {
			e, l := openManual(t)
			sess := NewSession()
			sess.Properties["auto.offset.reset"] = "earliest"
			mustExec(t, e, sess, `CREATE TABLE orders (id INT PRIMARY KEY, customer INT, amount INT) WITH (kafka_topic='orders', partitions=1, value_format='JSON');
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', partitions=1, value_format='JSON');
CREATE TABLE order_names AS SELECT o.id, o.amount, c.name FROM orders o `+kind+` customers c ON o.customer = c.id;`)
			type order struct{ customer, amount int }
			orders, customers := map[int]order{}, map[int]string{}
			rng := rand.New(rand.NewPCG(1, uint64(len(kind))))
			for i := 0; i < 400; i++ {
				switch k := rng.IntN(8); rng.IntN(5) {
				case 0, 1:
					o := order{rng.IntN(10), i}
					mustExec(t, e, nil, fmt.Sprintf("INSERT INTO orders (id, customer, amount) VALUES (%d, %d, %d);", k, o.customer, o.amount))
					orders[k] = o
				case 2:
					if _, err := l.Append(t.Context(), "orders", 0, tombstone(k)); err != nil {
						t.Fatal(err)
					}
					delete(orders, k)
				case 3:
					c := rng.IntN(10)
					mustExec(t, e, nil, fmt.Sprintf("INSERT INTO customers (id, name) VALUES (%d, 'n%d');", c, i))
					customers[c] = fmt.Sprintf("n%d", i)
				case 4:
					c := rng.IntN(10)
					if _, err := l.Append(t.Context(), "customers", 0, tombstone(c)); err != nil {
						t.Fatal(err)
					}
					delete(customers, c)
				}
				if err := e.Drain(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			got := tableOf(t, l, "ORDER_NAMES")
			want := map[string]string{}
			for k, o := range orders {
				name, ok := customers[o.customer]
				switch {
				case ok:
					want[string(intKey(k))] = fmt.Sprintf(`{"AMOUNT":%d,"NAME":"%s"}`, o.amount, name)
				case kind == "LEFT JOIN":
					want[string(intKey(k))] = fmt.Sprintf(`{"AMOUNT":%d,"NAME":null}`, o.amount)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s result:\n%v\nwant:\n%v", kind, got, want)
			}
		})
	}
}

// A join on several conditions keys its result by all of them: here a
// stream of orders looks up a table keyed by region and product.
func TestJoinOnSeveralConditions(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE TABLE prices (region STRING PRIMARY KEY, product STRING PRIMARY KEY, price INT) WITH (kafka_topic='prices', partitions=1, format='JSON');
CREATE STREAM orders (id STRING KEY, region STRING, product STRING, qty INT) WITH (kafka_topic='orders', partitions=1, value_format='JSON');
CREATE STREAM priced AS SELECT o.region, o.product, o.qty, p.price FROM orders o LEFT JOIN prices p ON o.region = p.region AND o.product = p.product;`)
	for _, sql := range []string{
		"INSERT INTO prices (region, product, price) VALUES ('eu', 'tea', 3);",
		"INSERT INTO prices (region, product, price) VALUES ('us', 'tea', 4);",
		"INSERT INTO orders (id, region, product, qty) VALUES ('o1', 'eu', 'tea', 1);",
		"INSERT INTO orders (id, region, product, qty) VALUES ('o2', 'us', 'tea', 2);",
		"INSERT INTO orders (id, region, product, qty) VALUES ('o3', 'eu', 'coffee', 3);",
	} {
		mustExec(t, e, nil, sql)
		if err := e.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range readAll(t, l, "PRICED") {
		got = append(got, string(r.Key)+" "+string(r.Value))
	}
	want := []string{
		`{"O_REGION":"eu","O_PRODUCT":"tea"} {"QTY":1,"PRICE":3}`,
		`{"O_REGION":"us","O_PRODUCT":"tea"} {"QTY":2,"PRICE":4}`,
		`{"O_REGION":"eu","O_PRODUCT":"coffee"} {"QTY":3,"PRICE":null}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A push query over a join runs the join in memory: ratings inserted
// after the customers are joined with them.
func TestPushQueryOverJoin(t *testing.T) {
	e, _ := openManual(t)
	mustExec(t, e, nil, `CREATE TABLE customers (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='customers', partitions=2, value_format='JSON');
CREATE STREAM ratings (rid STRING KEY, customer STRING, stars INT) WITH (kafka_topic='ratings', partitions=2, value_format='JSON');
INSERT INTO customers (id, name) VALUES ('c1', 'Ada');`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := e.Query(ctx, nil, "SELECT r.customer, c.name, r.stars FROM ratings r LEFT JOIN customers c ON r.customer = c.id EMIT CHANGES;")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := SchemaString(st.Columns); got != "`CUSTOMER` STRING, `NAME` STRING, `STARS` INTEGER" {
		t.Fatalf("schema %s", got)
	}
	// The table is read from its start, the stream from its end: until
	// the customer has reached the join, a rating finds no name.
	for i := 0; ; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO ratings (rid, customer, stars) VALUES ('r%d', 'c1', %d);", i, i%5))
		row, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row.Values[0].Str() != "c1" || row.Values[2].Int() != int32(i%5) {
			t.Fatalf("row %v for rating %d", row.Values, i)
		}
		if !row.Values[1].IsNull() {
			if row.Values[1].Str() != "Ada" {
				t.Fatalf("rating joined %v", row.Values)
			}
			return
		}
	}
}

// Joins on different keys run in stages, each repartitioning the result
// of the one before: two foreign-key joins of an orders table follow
// random changes of all three tables.
func TestTwoForeignKeyJoins(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE TABLE orders (id INT PRIMARY KEY, customer INT, product INT) WITH (kafka_topic='orders', partitions=1, value_format='JSON');
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', partitions=1, value_format='JSON');
CREATE TABLE products (id INT PRIMARY KEY, price INT) WITH (kafka_topic='products', partitions=1, value_format='JSON');
CREATE TABLE order_lines AS SELECT o.id, c.name, p.price FROM orders o JOIN customers c ON o.customer = c.id LEFT JOIN products p ON o.product = p.id;`)
	type order struct{ customer, product int }
	orders, customers, products := map[int]order{}, map[int]string{}, map[int]int{}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 600; i++ {
		k := rng.IntN(8)
		switch rng.IntN(7) {
		case 0, 1:
			o := order{rng.IntN(6), rng.IntN(6)}
			mustExec(t, e, nil, fmt.Sprintf("INSERT INTO orders (id, customer, product) VALUES (%d, %d, %d);", k, o.customer, o.product))
			orders[k] = o
		case 2:
			if _, err := l.Append(t.Context(), "orders", 0, tombstone(k)); err != nil {
				t.Fatal(err)
			}
			delete(orders, k)
		case 3:
			mustExec(t, e, nil, fmt.Sprintf("INSERT INTO customers (id, name) VALUES (%d, 'n%d');", k%6, i))
			customers[k%6] = fmt.Sprintf("n%d", i)
		case 4:
			if _, err := l.Append(t.Context(), "customers", 0, tombstone(k%6)); err != nil {
				t.Fatal(err)
			}
			delete(customers, k%6)
		case 5:
			mustExec(t, e, nil, fmt.Sprintf("INSERT INTO products (id, price) VALUES (%d, %d);", k%6, i))
			products[k%6] = i
		case 6:
			if _, err := l.Append(t.Context(), "products", 0, tombstone(k%6)); err != nil {
				t.Fatal(err)
			}
			delete(products, k%6)
		}
		if err := e.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	got := tableOf(t, l, "ORDER_LINES")
	want := map[string]string{}
	for k, o := range orders {
		name, ok := customers[o.customer]
		if !ok {
			continue
		}
		price := "null"
		if p, ok := products[o.product]; ok {
			price = fmt.Sprint(p)
		}
		want[string(intKey(k))] = fmt.Sprintf(`{"NAME":"%s","PRICE":%s}`, name, price)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("result:\n%v\nwant:\n%v", got, want)
	}
	if q := e.Queries()[0]; len(q.InternalTopics) != 2 {
		t.Fatalf("internal topics %v, want a join topic per stage", q.InternalTopics)
	}
}

// A stream joined to two tables on two of its columns goes through two
// stages; each event is joined once, with both tables.
func TestStreamJoinedOnTwoKeys(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', partitions=1, value_format='JSON');
CREATE TABLE pages (id STRING PRIMARY KEY, title STRING) WITH (kafka_topic='pages', partitions=1, value_format='JSON');
CREATE STREAM visits (vid STRING KEY, user STRING, page STRING) WITH (kafka_topic='visits', partitions=1, value_format='JSON');
CREATE STREAM named_visits AS SELECT v.page, v.vid, u.name, p.title FROM visits v LEFT JOIN users u ON v.user = u.id LEFT JOIN pages p ON v.page = p.id;`)
	for i := 0; i < 5; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO users (id, name) VALUES ('u%d', 'user%d');", i, i))
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO pages (id, title) VALUES ('p%d', 'page%d');", i, i))
	}
	if err := e.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO visits (vid, user, page) VALUES ('v%d', 'u%d', 'p%d');", i, i%7, i%6))
	}
	if err := e.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, l, "NAMED_VISITS")
	if len(recs) != 40 {
		t.Fatalf("%d joined visits, want 40", len(recs))
	}
	for _, r := range recs {
		var v struct {
			VID         string
			NAME, TITLE *string
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		var i int
		fmt.Sscanf(v.VID, "v%d", &i)
		wantName, wantTitle := fmt.Sprintf("user%d", i%7), fmt.Sprintf("page%d", i%6)
		if string(r.Key) != fmt.Sprintf("p%d", i%6) ||
			(i%7 < 5) != (v.NAME != nil) || v.NAME != nil && *v.NAME != wantName ||
			(i%6 < 5) != (v.TITLE != nil) || v.TITLE != nil && *v.TITLE != wantTitle {
			t.Fatalf("visit %s: key %s, %s", v.VID, r.Key, r.Value)
		}
	}
}

// An aggregation over a stream-table join groups the joined rows, through
// the join's stage then a repartition by group.
func TestAggregationOverJoin(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE TABLE customers (id STRING PRIMARY KEY, region STRING) WITH (kafka_topic='customers', partitions=1, value_format='JSON');
CREATE STREAM ratings (rid STRING KEY, customer STRING, stars INT) WITH (kafka_topic='ratings', partitions=1, value_format='JSON');
CREATE TABLE stars_by_region AS SELECT c.region, COUNT(*) AS n, SUM(r.stars) AS stars FROM ratings r JOIN customers c ON r.customer = c.id GROUP BY c.region;`)
	mustExec(t, e, nil, "INSERT INTO customers (id, region) VALUES ('c1', 'eu');")
	mustExec(t, e, nil, "INSERT INTO customers (id, region) VALUES ('c2', 'us');")
	if err := e.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		mustExec(t, e, nil, fmt.Sprintf("INSERT INTO ratings (rid, customer, stars) VALUES ('r%d', 'c%d', %d);", i, i%3, i%5))
	}
	if err := e.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range readAll(t, l, "STARS_BY_REGION") {
		got[string(r.Key)] = string(r.Value)
	}
	// c1: ratings 1, 4, 7 (stars 1, 4, 2); c2: 2, 5, 8 (stars 2, 0, 3); c0 has no customer.
	want := map[string]string{"eu": `{"N":3,"STARS":7}`, "us": `{"N":3,"STARS":5}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// A stream-stream join pairs the records of both streams within its
// window, repartitioning the stream joined on a value column.
func TestStreamStreamJoin(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM impressions (id STRING KEY, ad STRING) WITH (kafka_topic='impressions', partitions=1, value_format='JSON');
CREATE STREAM clicks (cid STRING KEY, impression STRING) WITH (kafka_topic='clicks', partitions=1, value_format='JSON');
CREATE STREAM clicked AS SELECT i.id, i.ad, c.cid FROM impressions i LEFT JOIN clicks c WITHIN 1 MINUTE GRACE PERIOD 30 SECONDS ON i.id = c.impression;`)
	at := func(topic, key, value string, ts int64) {
		if _, err := l.Append(t.Context(), topic, 0, []log.Record{{Key: []byte(key), Value: []byte(value), Timestamp: ts}}); err != nil {
			t.Fatal(err)
		}
		if err := e.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	at("impressions", "i1", `{"ad":"a1"}`, 0)
	at("impressions", "i2", `{"ad":"a2"}`, 1000)
	at("clicks", "c1", `{"impression":"i1"}`, 30_000)
	at("clicks", "c2", `{"impression":"i1"}`, 59_000)
	at("clicks", "c3", `{"impression":"i2"}`, 61_000) // i2's minute ends at 61s
	at("clicks", "c4", `{"impression":"i2"}`, 61_001) // too late for it
	at("impressions", "i3", `{"ad":"a3"}`, 200_000)   // closes i1's and i2's windows
	var got []string
	for _, r := range readAll(t, l, "CLICKED") {
		got = append(got, fmt.Sprintf("%s %s @%d", r.Key, r.Value, r.Timestamp))
	}
	want := []string{
		`i1 {"AD":"a1","CID":"c1"} @30000`,
		`i1 {"AD":"a1","CID":"c2"} @59000`,
		`i2 {"AD":"a2","CID":"c3"} @61000`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// i3 waits for its window to close: stream time passing it emits it
	// without a click.
	at("clicks", "c9", `{"impression":"zz"}`, 300_000)
	recs := readAll(t, l, "CLICKED")
	if last := recs[len(recs)-1]; string(last.Key) != "i3" || string(last.Value) != `{"AD":"a3","CID":null}` || last.Timestamp != 200_000 {
		t.Fatalf("last %s %s @%d, want i3 without a click", last.Key, last.Value, last.Timestamp)
	}
}

// tableOf reads a table's topic into its last value of each key, a
// tombstone deleting it.
func tableOf(t *testing.T, l log.Log, topic string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range readAll(t, l, topic) {
		if r.Value == nil {
			delete(out, string(r.Key))
		} else {
			out[string(r.Key)] = string(r.Value)
		}
	}
	return out
}

// A stream-stream join is a stage of its own in an n-way join, before or
// after a stream-table join.
func TestStreamStreamJoinInNWayJoins(t *testing.T) {
	// The result is keyed by the last join's key.
	for _, c := range []struct{ name, query, want string }{
		{"then a table", `CREATE STREAM out AS SELECT o.id, o.item, p.amount, i.name FROM orders o
  JOIN payments p WITHIN 1 MINUTE ON o.id = p.order_id JOIN items i ON o.item = i.id;`,
			`tea {"O_ID":"o1","AMOUNT":5,"NAME":"Green tea"}`},
		{"after a table", `CREATE STREAM out AS SELECT o.id, o.item, p.amount, i.name FROM orders o
  JOIN items i ON o.item = i.id JOIN payments p WITHIN 1 MINUTE ON o.id = p.order_id;`,
			`o1 {"ITEM":"tea","AMOUNT":5,"NAME":"Green tea"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, l := openManual(t)
			sess := NewSession()
			sess.Properties["auto.offset.reset"] = "earliest"
			mustExec(t, e, sess, `CREATE TABLE items (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='items', partitions=1, value_format='JSON');
CREATE STREAM orders (id STRING KEY, item STRING) WITH (kafka_topic='orders', partitions=1, value_format='JSON');
CREATE STREAM payments (pid STRING KEY, order_id STRING, amount INT) WITH (kafka_topic='payments', partitions=1, value_format='JSON');
`+c.query)
			at := func(topic, key, value string, ts int64) {
				if _, err := l.Append(t.Context(), topic, 0, []log.Record{{Key: []byte(key), Value: []byte(value), Timestamp: ts}}); err != nil {
					t.Fatal(err)
				}
				if err := e.Drain(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			at("items", "tea", `{"name":"Green tea"}`, 0)
			at("orders", "o1", `{"item":"tea"}`, 1000)
			at("orders", "o2", `{"item":"tea"}`, 2000)
			at("payments", "p1", `{"order_id":"o1","amount":5}`, 30_000)
			at("payments", "p2", `{"order_id":"o2","amount":7}`, 200_000) // too late for o2
			var got []string
			for _, r := range readAll(t, l, "OUT") {
				got = append(got, string(r.Key)+" "+string(r.Value))
			}
			if len(got) != 1 || got[0] != c.want {
				t.Fatalf("got %v, want [%s]", got, c.want)
			}
		})
	}
}
