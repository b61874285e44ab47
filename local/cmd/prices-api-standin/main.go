// prices-api-standin is a STAND-IN for rahulrai/prices-api, for the local cluster only: that image
// is on Docker Hub, which is out of reach here. It answers what the tutorial calls,
// GET /price/{id} on :8080, with a made-up price, and says in every answer that it is a stand-in.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

const notice = "stand-in for rahulrai/prices-api (local cluster; the real image is out of reach)"

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /price/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || id < 0 {
			http.Error(w, "product id must be a non-negative integer", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Stand-In", notice)
		// A price that depends only on the id, so two calls agree.
		price := float64(100+(id*37)%900) / 10
		_ = json.NewEncoder(w).Encode(map[string]any{"productId": id, "price": price, "standIn": notice})
	})
	srv := &http.Server{Addr: ":8080", Handler: mux}
	// As PID 1 the process gets no default SIGTERM handling; without this a pod takes its whole
	// grace period to stop.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-stop; _ = srv.Close() }()
	log.Printf("%s: listening on :8080", notice)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
