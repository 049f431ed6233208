package com.acme.sms.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.BuiltApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The outage tests behind docs/promises.md, each on a PostgreSQL or Redis the test owns and may stop or kill. */
class DataStoreOutagesIT {

    @Test
    void postgresDownForThirtySecondsUnderLoadLosesNothingAndAcknowledgesNothingEarly() throws Exception {
        try (PrivateServers.Postgres pg = new PrivateServers.Postgres().init();
                Platform platform = new Platform(6379, 14, pg.jdbcUrl())) {
            platform.cleanQueues();
            AppProcess api = platform.api();
            // Two workers: the outage lasts fifteen times reclaim-idle (2 s), so each could take over the other's
            // batch, already sent, while PostgreSQL is away; the audit counts provider sends per message.
            platform.worker("normal", Map.of()).awaitReady();
            platform.worker("normal", Map.of()).awaitReady();
            long credit = 2_000;
            String client = platform.newClient(api, credit);
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                accepted.addAll(Platform.send(api, client, "normal", 50, 5));
            }
            platform.awaitDrained(Duration.ofSeconds(30));

            pg.stop();
            long outageStart = System.currentTimeMillis();
            io.restassured.RestAssured.given().port(api.port).header("X-Client-ID", client).get("/api/messages/sent-log")
                    .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "5");
            // Acceptance needs only Redis: clients keep sending while PostgreSQL is away.
            for (int i = 0; i < 10; i++) {
                accepted.addAll(Platform.send(api, client, "normal", 50, 5));
            }
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> System.currentTimeMillis() - outageStart >= 30_000);
            long heldBack = platform.backlog();
            System.out.printf("[PostgreSQL down 30 s] accepted during the outage=500, still in Redis at its end=%d%n",
                    heldBack);
            assertThat(heldBack).as("nothing acknowledged while PostgreSQL was down").isEqualTo(500);

            pg.start();
            platform.awaitDrained(Duration.ofSeconds(90));
            platform.audit("PostgreSQL outage", api, client, credit, accepted);
        }
    }

    @Test
    void aFrozenPostgresGetsQuick503sNotHeldRequests() throws Exception {
        try (PrivateServers.Postgres pg = new PrivateServers.Postgres().init();
                Platform platform = new Platform(6379, 14, pg.jdbcUrl())) {
            AppProcess api = platform.api();
            String client = platform.newClient(api, 100);
            pg.freeze();
            try {
                // A server that is stopped, not down: the query timeout's cancel request gets no answer either, so
                // only a bound on the socket itself ends the wait (issue 17, item 11).
                for (String[] call : new String[][] {{"GET", "/api/messages/sent-log"}, {"POST", "/api/credit/increase"},
                    {"GET", "/api/messages/sent-log?status=sent"}}) {
                    long t0 = System.nanoTime();
                    io.restassured.response.Response r = io.restassured.RestAssured.given()
                            .config(io.restassured.config.RestAssuredConfig.config().httpClient(
                                    io.restassured.config.HttpClientConfig.httpClientConfig()
                                            .setParam("http.socket.timeout", 60_000)))
                            .port(api.port).header("X-Client-ID", client).contentType("application/json")
                            .body("{\"balance\": 5}").request(call[0], call[1]);
                    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
                    System.out.printf("[PostgreSQL frozen] %s %s answered %d after %d s%n", call[0], call[1],
                            r.statusCode(), seconds);
                    assertThat(r.statusCode()).as("%s %s", call[0], call[1]).isEqualTo(503);
                    assertThat(r.header("Retry-After")).isEqualTo("5");
                    assertThat(seconds).as("%s %s answered within the socket bound", call[0], call[1])
                            .isLessThanOrEqualTo(15);
                }
            } finally {
                pg.thaw();
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> io.restassured.RestAssured.given().port(api.port)
                    .header("X-Client-ID", client).get("/api/messages/sent-log").then().statusCode(200));
        }
    }

    @Test
    void appsRefuseToRunOnARedisThatMayEvictKeys() throws Exception {
        try (PrivateServers.Redis redis = new PrivateServers.Redis("allkeys-lru").start();
                Platform platform = new Platform(redis.port, 0, "jdbc:postgresql://127.0.0.1:5432/sms_test")) {
            for (AppProcess app : new AppProcess[] {
                AppProcess.start(BuiltApp.API, "api-on-lru", platform.env(Map.of())),
                AppProcess.start(BuiltApp.WORKER, "worker-on-lru", platform.env(Map.of()), "--queue=normal")
            }) {
                assertThat(app.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(app.process.exitValue()).isNotZero();
                assertThat(app.logText()).contains("maxmemory-policy allkeys-lru")
                        .contains("Refusing to start");
            }
        }
    }

    @Test
    void redisKilledUnderLoadAndRestartedWithAofLosesNoAcceptedMessage() throws Exception {
        try (PrivateServers.Redis redis = new PrivateServers.Redis().start();
                Platform platform = new Platform(redis.port, 0, "jdbc:postgresql://127.0.0.1:5432/sms_test")) {
            AppProcess api = platform.api();
            platform.worker("normal", Map.of()).awaitReady();
            long credit = 1_000_000;
            String client = platform.newClient(api, credit);
            List<String> accepted = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean loading = new AtomicBoolean(true);
            int[] failedRequests = {0};
            Thread load = new Thread(() -> {
                while (loading.get()) {
                    try {
                        List<String> ids = Platform.send(api, client, "normal", 20, 2);
                        if (ids.isEmpty()) {
                            failedRequests[0]++;
                        }
                        accepted.addAll(ids);
                    } catch (RuntimeException redisAway) {
                        failedRequests[0]++;
                    }
                }
            });
            load.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> accepted.size() >= 2_000);
            redis.kill();
            int acceptedBeforeKill = accepted.size();
            await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofSeconds(1)).until(() -> true);
            redis.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= acceptedBeforeKill + 2_000);
            loading.set(false);
            load.join();

            platform.awaitDrained(Duration.ofSeconds(120));
            Platform.Audit audit = platform.auditAfterRedisLoss("Redis SIGKILL + AOF restart", api, client, credit,
                    List.copyOf(accepted));
            System.out.printf("[Redis SIGKILL] accepted before kill=%d, total accepted=%d, failed requests=%d, "
                    + "lost accepted messages=%d (appendfsync everysec)%n",
                    acceptedBeforeKill, accepted.size(), failedRequests[0], audit.missing());
            assertThat(audit.missing()).as("accepted messages lost").isZero();
        }
    }
}
