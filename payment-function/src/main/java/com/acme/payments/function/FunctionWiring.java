package com.acme.payments.function;

import com.acme.payments.adapter.dynamodb.DynamoDbActiveRegionSource;
import com.acme.payments.adapter.dynamodb.DynamoDbIdempotencyStore;
import com.acme.payments.adapter.dynamodb.DynamoDbPaymentStore;
import com.acme.payments.adapter.dynamodb.DynamoDbTableProbe;
import com.acme.payments.adapter.id.RequestDerivedIdGenerator;
import com.acme.payments.adapter.processor.HttpPaymentProcessor;
import com.acme.payments.adapter.ssm.SsmConfigProbe;
import com.acme.payments.adapter.ssm.SsmConfigSource;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.api.WriteFenceGate;
import com.acme.payments.api.json.JsonObject;
import com.acme.payments.config.CachedConfig;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.service.Backoff;
import com.acme.payments.service.HealthCheck;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.Reconciler;
import com.acme.payments.service.WriteFence;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * Builds the function's object graph once per execution environment. The only place that reads the
 * environment (names match template.yaml and docs/architecture.md) and the only place that builds SDK clients.
 *
 * <p>Missing environment variables fail init with a clear message: they are deployment errors. Missing SSM
 * configuration does not: the stack deploys before the deploy script seeds the API key, and SnapStart publishes
 * the version at deploy time, so the function answers 503 until the configuration is complete.
 */
public final class FunctionWiring {
    public static final String TABLE_NAME = "PAYMENTS_TABLE_NAME";
    public static final String PARAMETER_PATH = "PAYMENTS_PARAMETER_PATH";
    public static final String REGION_ROLE = "PAYMENTS_REGION_ROLE";
    public static final String MERCHANT_CLAIM = "PAYMENTS_MERCHANT_CLAIM";
    public static final String CONFIG_TTL = "PAYMENTS_CONFIG_TTL_SECONDS";
    /** How long an unfinished request holds its Idempotency-Key before a retry may take over (default 60 s). */
    public static final String IDEMPOTENCY_LOCK = "PAYMENTS_IDEMPOTENCY_LOCK_SECONDS";
    /**
     * How long an execution environment trusts its view of the active-region record (default 5 s). With the
     * function timeout it bounds how long a fenced region can still write; scripts/failover.sh reads both.
     */
    public static final String FENCE_TTL = "PAYMENTS_FENCE_TTL_SECONDS";
    /** Health answers within this, whatever its dependencies do (issue 12: about a second). */
    static final Duration HEALTH_BUDGET = Duration.ofMillis(900);

    private final PaymentApi api;
    private final Reconciler reconciler;
    private final SnapStartPriming priming;
    final CachedConfig config;
    final WriteFence fence;
    final JsonCodec json;
    final String region;
    final String regionRole;
    private final String tableName;
    private final String parameterPath;
    private final Map<String, String> env;
    private volatile HealthCheck healthCheck;

    private FunctionWiring(Map<String, String> env, PaymentProcessor processorOverride) {
        this.tableName = required(env, TABLE_NAME);
        this.parameterPath = required(env, PARAMETER_PATH);
        this.env = Map.copyOf(env);
        this.regionRole = env.getOrDefault(REGION_ROLE, "primary");
        this.region = required(env, "AWS_REGION");
        String merchantClaim = env.getOrDefault(MERCHANT_CLAIM, "merchant_id");
        Duration ttl = Duration.ofSeconds(Long.parseLong(env.getOrDefault(CONFIG_TTL, "300")));

        // One light HTTP client shared by both SDK clients; credentials from the default chain (under SnapStart
        // Lambda serves them from the container endpoint). AWS_ENDPOINT_URL, when set, is honoured by the SDK.
        SdkHttpClient http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(5))
                .build();
        Region awsRegion = Region.of(region);
        var dynamoDbBuilder = DynamoDbClient.builder().httpClient(http).region(awsRegion)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(6)));
        var ssmBuilder = SsmClient.builder().httpClient(http).region(awsRegion)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(6)));
        // Off AWS only (the emulator, fault-injection proxies): the SDK's own endpoint variables, read from this
        // map so one JVM can host handlers with different endpoints. Lambda never sets them.
        endpoint(env, "AWS_ENDPOINT_URL_DYNAMODB").ifPresent(dynamoDbBuilder::endpointOverride);
        endpoint(env, "AWS_ENDPOINT_URL_SSM").ifPresent(ssmBuilder::endpointOverride);
        DynamoDbClient dynamoDb = dynamoDbBuilder.build();
        SsmClient ssm = ssmBuilder.build();

        Clock clock = Clock.systemUTC();
        this.json = new JsonCodec();
        this.config = new CachedConfig(new SsmConfigSource(ssm, parameterPath), ttl, clock);
        this.fence = new WriteFence(new DynamoDbActiveRegionSource(dynamoDb, tableName), region,
                Duration.ofSeconds(Long.parseLong(env.getOrDefault(FENCE_TTL,
                        Long.toString(WriteFence.DEFAULT_TTL.toSeconds())))));
        PaymentProcessor processor = processorOverride != null ? processorOverride
                : new HttpPaymentProcessor(config);
        DynamoDbPaymentStore store = new DynamoDbPaymentStore(dynamoDb, tableName);
        PaymentService service = new PaymentService(store, processor, config, clock, region,
                Backoff.jittered(), fence::writerSince);
        Duration lock = Duration.ofSeconds(Long.parseLong(env.getOrDefault(IDEMPOTENCY_LOCK,
                Long.toString(Idempotency.LOCK.toSeconds()))));
        Idempotency idempotency = new Idempotency(new DynamoDbIdempotencyStore(dynamoDb, tableName), clock, lock);
        this.api = new PaymentApi(service, idempotency, new RequestDerivedIdGenerator(), json, merchantClaim,
                this::health, new WriteFenceGate(fence, config, json));
        // The reconciler writes too: in a region that may not write it leaves the work to the active region.
        this.reconciler = new Reconciler(store, service, clock, fence::writesAllowedNow);
        this.priming = new SnapStartPriming(api, json, config, fence);
    }

    public PaymentApi api() {
        return api;
    }

    /** The background reconciler ({@link ReconcilerHandler}). */
    public Reconciler reconciler() {
        return reconciler;
    }

    SnapStartPriming priming() {
        return priming;
    }

    public static FunctionWiring fromEnvironment(Map<String, String> env) {
        return new FunctionWiring(env, null);
    }

    /** For tests that replace the processor (fault injection). */
    public static FunctionWiring withProcessor(Map<String, String> env, PaymentProcessor processor) {
        return new FunctionWiring(env, processor);
    }

    /**
     * Region, version, which region is active, and whether config and table answer; no secrets, no configuration
     * values. Status {@code ok} only when both answered and an active-region record exists (the API answers 503
     * otherwise). Bounded by {@link #HEALTH_BUDGET}: its SDK clients have short timeouts and no retries.
     */
    JsonObject health() {
        return HealthResponse.json(healthCheck().run(), regionRole, version());
    }

    /**
     * Built on first use (health is rare; the request path should not pay for a second pair of clients at
     * init): its own HTTP client and SDK clients with ~0.8 s timeouts and no retries, so that a dependency that
     * refuses or hangs costs health one short attempt, not the request path's retry schedule.
     */
    private HealthCheck healthCheck() {
        HealthCheck h = healthCheck;
        if (h == null) {
            synchronized (this) {
                h = healthCheck;
                if (h == null) {
                    SdkHttpClient fastHttp = UrlConnectionHttpClient.builder()
                            .connectionTimeout(Duration.ofMillis(300))
                            .socketTimeout(Duration.ofMillis(700))
                            .build();
                    ClientOverrideConfiguration once = ClientOverrideConfiguration.builder()
                            .retryStrategy(AwsRetryStrategy.doNotRetry())
                            .apiCallTimeout(Duration.ofMillis(800))
                            .apiCallAttemptTimeout(Duration.ofMillis(800))
                            .build();
                    var dynamoDbBuilder = DynamoDbClient.builder().httpClient(fastHttp).region(Region.of(region))
                            .overrideConfiguration(once);
                    var ssmBuilder = SsmClient.builder().httpClient(fastHttp).region(Region.of(region))
                            .overrideConfiguration(once);
                    endpoint(env, "AWS_ENDPOINT_URL_DYNAMODB").ifPresent(dynamoDbBuilder::endpointOverride);
                    endpoint(env, "AWS_ENDPOINT_URL_SSM").ifPresent(ssmBuilder::endpointOverride);
                    DynamoDbClient fastDynamoDb = dynamoDbBuilder.build();
                    h = new HealthCheck(List.of(
                            new SsmConfigProbe(new SsmConfigSource(ssmBuilder.build(), parameterPath), config::isFresh),
                            new DynamoDbTableProbe(fastDynamoDb, tableName)),
                            new DynamoDbActiveRegionSource(fastDynamoDb, tableName), region, HEALTH_BUDGET,
                            Executors.newVirtualThreadPerTaskExecutor(), System::nanoTime);
                    healthCheck = h;
                }
            }
        }
        return h;
    }

    static String version() {
        String v = FunctionWiring.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static Optional<URI> endpoint(Map<String, String> env, String serviceVariable) {
        String value = env.getOrDefault(serviceVariable, env.get("AWS_ENDPOINT_URL"));
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(URI.create(value));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is required (see template.yaml)");
        }
        return value;
    }
}
