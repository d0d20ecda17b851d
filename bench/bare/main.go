// Command bare is the ceiling the benchmark compares Shopkeeper against: a
// plain net/http server writing a fixed page, with nothing else to do.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	file := flag.String("file", "", "the bytes to answer every request with")
	contentType := flag.String("type", "text/html; charset=utf-8", "Content-Type of the answer")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	length := strconv.Itoa(len(body))
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", *contentType)
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})))
}
