package com.acme.payments.function;

import com.acme.payments.adapter.dynamodb.DynamoDbIdempotencyStore;
import com.acme.payments.adapter.dynamodb.DynamoDbPaymentStore;
import com.acme.payments.adapter.id.TimeOrderedIdGenerator;
import com.acme.payments.adapter.processor.HttpPaymentProcessor;
import com.acme.payments.adapter.ssm.SsmConfigSource;
import com.acme.payments.api.JsonCodec;
import com.acme.payments.api.PaymentApi;
import com.acme.payments.config.CachedConfig;
import com.acme.payments.port.PaymentProcessor;
import com.acme.payments.api.idempotency.Idempotency;
import com.acme.payments.service.PaymentService;
import com.acme.payments.service.Reconciler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

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

    private final PaymentApi api;
    private final Reconciler reconciler;
    private final SnapStartPriming priming;
    final CachedConfig config;
    final TimeOrderedIdGenerator ids;
    final JsonCodec json;
    final DynamoDbClient dynamoDb;
    final String tableName;
    final String region;
    final String regionRole;

    private FunctionWiring(Map<String, String> env, PaymentProcessor processorOverride) {
        this.tableName = required(env, TABLE_NAME);
        String parameterPath = required(env, PARAMETER_PATH);
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
        this.dynamoDb = dynamoDbBuilder.build();
        SsmClient ssm = ssmBuilder.build();

        Clock clock = Clock.systemUTC();
        this.json = new JsonCodec();
        this.config = new CachedConfig(new SsmConfigSource(ssm, parameterPath), ttl, clock);
        this.ids = new TimeOrderedIdGenerator();
        PaymentProcessor processor = processorOverride != null ? processorOverride
                : new HttpPaymentProcessor(config);
        DynamoDbPaymentStore store = new DynamoDbPaymentStore(dynamoDb, tableName);
        PaymentService service = new PaymentService(store, processor, config, clock, region);
        Duration lock = Duration.ofSeconds(Long.parseLong(env.getOrDefault(IDEMPOTENCY_LOCK,
                Long.toString(Idempotency.LOCK.toSeconds()))));
        Idempotency idempotency = new Idempotency(new DynamoDbIdempotencyStore(dynamoDb, tableName), clock, lock);
        this.api = new PaymentApi(service, idempotency, ids, json, merchantClaim, this::health);
        this.reconciler = new Reconciler(store, service, clock);
        this.priming = new SnapStartPriming(api, json, config, ids);
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

    /** Region, version and reachability; no secrets, no configuration values. */
    ObjectNode health() {
        boolean configOk;
        try {
            config.get();
            configOk = true;
        } catch (RuntimeException e) {
            configOk = false;
        }
        boolean tableOk;
        try {
            dynamoDb.getItem(b -> b.tableName(tableName).key(Map.of("pk", AttributeValue.fromS("HEALTH#probe"),
                    "sk", AttributeValue.fromS("HEALTH"))));
            tableOk = true;
        } catch (RuntimeException e) {
            tableOk = false;
        }
        ObjectNode n = json.mapper().createObjectNode();
        n.put("status", configOk && tableOk ? "ok" : "degraded");
        n.put("region", region);
        n.put("regionRole", regionRole);
        n.put("version", version());
        n.putObject("config").put("reachable", configOk);
        n.putObject("table").put("reachable", tableOk);
        return n;
    }

    static String version() {
        String v = FunctionWiring.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static java.util.Optional<java.net.URI> endpoint(Map<String, String> env, String serviceVariable) {
        String value = env.getOrDefault(serviceVariable, env.get("AWS_ENDPOINT_URL"));
        return value == null || value.isBlank() ? java.util.Optional.empty()
                : java.util.Optional.of(java.net.URI.create(value));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is required (see template.yaml)");
        }
        return value;
    }
}
