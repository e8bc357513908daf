package com.acme.payments.template;

import com.acme.payments.testsupport.LocalAws;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Deploys {@code template.yaml} as both regional stacks, the way {@code samconfig.toml} configures them, with the
 * pinned SAM CLI against the emulator at {@code AWS_ENDPOINT_URL}, and checks what CloudFormation then reports:
 * both stacks complete, every documented output exported as {@code <stack>-<Output>}, the global table created by
 * the primary stack only, the API endpoint written to SSM. The stacks are deleted afterwards.
 *
 * <p>Each run uses its own environment name, so it shares an emulator with other tests (and with
 * {@code scripts/tests/deploy-e2e.sh}) without touching their stacks, tables or parameters. The secondary stack is
 * deployed first: on AWS the primary's global table needs the secondary's table key to exist (template.yaml,
 * "Deploy order").
 *
 * <p>What the emulator cannot show (so a green run does not prove it): global-table replicas, SnapStart,
 * VpcConfig, HTTP API routes and the JWT authorizer, KMS and TTL on the table. TemplateDesignRulesTest and
 * scripts/check-template.sh check those on the template.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class RegionalStackDeployIT {

    /** docs/architecture.md, "Stacks". */
    static final List<String> OUTPUTS = List.of("VpcId", "VpcCidr", "PrivateRouteTableIds", "PrivateSubnetIds",
            "FunctionSecurityGroupId", "TableName", "TableArn", "TableKeyArn", "FunctionAliasArn", "ApiEndpoint",
            "ParameterPath");
    /** samconfig.toml config envs of the dev configuration: dev-primary, dev-secondary. */
    static final String CONFIG = "dev";
    static final Map<String, Region> REGIONS = Map.of("primary", Region.US_EAST_1, "secondary", Region.US_EAST_2);
    /** First deployment order; see the class comment. */
    static final List<String> DEPLOY_ORDER = List.of("secondary", "primary");
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(8);
    static final ObjectMapper JSON = new ObjectMapper();

    private static Path root;
    private static Path workDir;
    private static Path buildDir;
    private static String endpoint;
    private static String environment;
    private static int commandCount;
    /** role -> parameter overrides from samconfig.toml, with this run's EnvironmentName. */
    private static final Map<String, Map<String, String>> PARAMETERS = new LinkedHashMap<>();
    /** role -> the stack as describe-stacks reports it after the deploy. */
    private static final Map<String, JsonNode> STACKS = new LinkedHashMap<>();

    @BeforeAll
    static void buildAndDeployBothRegions() throws Exception {
        endpoint = firstNonBlank(System.getProperty("AWS_ENDPOINT_URL"), System.getenv("AWS_ENDPOINT_URL"));
        assumeTrue(endpoint != null, "AWS_ENDPOINT_URL is not set: this IT deploys stacks and runs only against an "
                + "emulator (make test sets it; by hand: scripts/emulator.sh start, then "
                + "export AWS_ENDPOINT_URL=http://127.0.0.1:4566)");
        String host = String.valueOf(URI.create(endpoint).getHost());
        assertThat(host).as("AWS_ENDPOINT_URL must point at an emulator, never at AWS").doesNotEndWith("amazonaws.com");

        root = LocalAws.repositoryRoot();
        workDir = root.resolve("payment-function/target/regional-stack-it");
        buildDir = workDir.resolve("sam-build");
        Files.createDirectories(workDir);
        environment = "it" + LocalAws.uniqueSuffix().substring(0, 8);
        Path jar = root.resolve("payment-function/target/payment-function.jar");
        assertThat(jar).as("the shaded jar this Maven run packaged (run through `./mvnw verify`)").isRegularFile();

        // The jar Maven just packaged, not a second Maven build inside this one (scripts/sam-build-target.mk).
        Result build = run("sam-build", Map.of("PAYMENT_FUNCTION_JAR", jar.toString()), sam(), "build",
                "--template-file", root.resolve("template.yaml").toString(),
                "--config-file", root.resolve("samconfig.toml").toString(),
                "--build-dir", buildDir.toString());
        assertThat(build.exitCode()).as("sam build\n%s", build.tail()).isZero();
        assertThat(buildDir.resolve("PaymentFunction/com/acme/payments/function/PaymentHandler.class"))
                .as("the handler class at the root of the function artifact").isRegularFile();

        for (String role : DEPLOY_ORDER) {
            PARAMETERS.put(role, samconfigOverrides(role));
            if (role.equals("primary")) {
                // As scripts/deploy.sh does: the secondary replica's key, by the secondary stack's key ARN.
                PARAMETERS.get(role).put("SecondaryTableKeyArn", outputs("secondary").get("TableKeyArn"));
            }
            Result deploy = deploy(role);
            assertThat(deploy.exitCode())
                    .as(() -> "sam deploy --config-env " + CONFIG + "-" + role + "\n" + deploy.tail() + "\n"
                            + failedEvents(role))
                    .isZero();
            STACKS.put(role, describeStack(role));
        }
    }

    @AfterAll
    static void deleteStacks() throws Exception {
        if (environment == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (String role : List.of("primary", "secondary")) { // the table's owner first
            if (stackStatus(role).equals("GONE")) {
                continue; // never created (a deploy before it failed)
            }
            Result delete = aws(role, "cloudformation", "delete-stack", "--stack-name", stackName(role));
            if (delete.exitCode() != 0) {
                problems.add(stackName(role) + ": delete-stack failed\n" + delete.tail());
                continue;
            }
            Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
            String status = stackStatus(role);
            while (!status.equals("GONE") && !status.equals("DELETE_FAILED") && Instant.now().isBefore(deadline)) {
                Thread.sleep(1000);
                status = stackStatus(role);
            }
            if (!status.equals("GONE")) {
                problems.add(stackName(role) + " not deleted: " + status);
            }
        }
        assertThat(problems).as("stacks left behind in the emulator").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"primary", "secondary"})
    void stack_isCompleteWithEveryDocumentedOutputExported(String role) throws Exception {
        JsonNode stack = STACKS.get(role);
        assertThat(stack.path("StackStatus").asText()).isIn("CREATE_COMPLETE", "UPDATE_COMPLETE");
        Map<String, String> exports = new TreeMap<>();
        for (JsonNode output : stack.path("Outputs")) {
            exports.put(output.path("OutputKey").asText(), output.path("ExportName").asText());
        }
        assertThat(exports.keySet()).containsExactlyInAnyOrderElementsOf(OUTPUTS);
        exports.forEach((name, export) -> assertThat(export).as(name).isEqualTo(stackName(role) + "-" + name));

        // The exports are registered in the stack's region (where the deploy script's readers look them up).
        Result listed = aws(role, "cloudformation", "list-exports", "--output", "json");
        assertThat(listed.exitCode()).as(listed.tail()).isZero();
        List<String> registered = new ArrayList<>();
        JSON.readTree(listed.output()).path("Exports").forEach(e -> registered.add(e.path("Name").asText()));
        assertThat(registered).containsAll(exports.values());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"primary", "secondary"})
    void outputs_describeThisEnvironmentInItsOwnRegion(String role) {
        Map<String, String> out = outputs(role);
        String region = REGIONS.get(role).id();
        assertThat(out.get("VpcCidr")).isEqualTo(PARAMETERS.get(role).get("VpcCidr"));
        assertThat(out.get("VpcId")).startsWith("vpc-");
        assertThat(out.get("PrivateRouteTableIds").split(",")).hasSize(2).allMatch(id -> id.startsWith("rtb-"));
        assertThat(out.get("PrivateSubnetIds").split(",")).hasSize(2).allMatch(id -> id.startsWith("subnet-"));
        assertThat(out.get("FunctionSecurityGroupId")).startsWith("sg-");
        assertThat(out.get("TableName")).isEqualTo("payments-" + environment);
        assertThat(out.get("TableArn")).startsWith("arn:aws:dynamodb:" + region + ":")
                .endsWith(":table/payments-" + environment);
        assertThat(out.get("FunctionAliasArn")).startsWith("arn:aws:lambda:" + region + ":")
                .endsWith(":function:payments-" + environment + "-api:live");
        assertThat(out.get("ParameterPath")).isEqualTo("/payments/" + environment + "/");
        assertThat(out.get("ApiEndpoint")).isNotBlank();
        assertThat(out.get("TableKeyArn")).startsWith("arn:aws:kms:" + region + ":").contains(":key/");
    }

    @Test
    void primary_namesTheSecondaryReplicaKeyByTheSecondaryStacksKeyArn() {
        String secondaryKey = outputs("secondary").get("TableKeyArn");
        Map<String, String> parameters = new TreeMap<>();
        STACKS.get("primary").path("Parameters").forEach(p ->
                parameters.put(p.path("ParameterKey").asText(), p.path("ParameterValue").asText()));
        assertThat(parameters.get("SecondaryTableKeyArn")).isEqualTo(secondaryKey).doesNotContain(":alias/");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"primary", "secondary"})
    void configurationParameters_areWrittenInTheStacksRegion(String role) {
        String path = "/payments/" + environment + "/";
        try (SsmClient ssm = LocalAws.ssm(REGIONS.get(role))) {
            Map<String, String> values = new TreeMap<>();
            ssm.getParametersByPathPaginator(b -> b.path(path).recursive(true)).stream()
                    .flatMap(page -> page.parameters().stream())
                    .forEach(p -> values.put(p.name().substring(path.length()), p.value()));
            assertThat(values).containsOnlyKeys("processor/endpoint", "processor/timeout-ms", "currency-limits",
                    "api-endpoint");
            assertThat(values.get("api-endpoint")).isEqualTo(outputs(role).get("ApiEndpoint"));
            assertThat(values.get("processor/timeout-ms")).isEqualTo("3000");
            assertThat(values.get("currency-limits")).contains("\"USD\"");
        }
    }

    @Test
    void globalTable_isCreatedByThePrimaryStackOnly() throws Exception {
        assertThat(stackResourceTypes("primary")).containsEntry("PaymentsTable", "AWS::DynamoDB::GlobalTable");
        Map<String, String> secondary = stackResourceTypes("secondary");
        assertThat(secondary).isNotEmpty().doesNotContainKey("PaymentsTable");
        assertThat(secondary.values()).doesNotContain("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table");
        try (DynamoDbClient dynamoDb = LocalAws.dynamoDb(REGIONS.get("primary"))) {
            TableDescription table = dynamoDb.describeTable(b -> b.tableName("payments-" + environment)).table();
            assertThat(table.keySchema()).extracting(k -> k.attributeName() + ":" + k.keyTypeAsString())
                    .containsExactly("pk:HASH", "sk:RANGE");
            // docs/architecture.md, "Table": the merchant listing index and the reconciler's sparse work list.
            assertThat(table.globalSecondaryIndexes()).extracting(i -> i.indexName())
                    .containsExactlyInAnyOrder("merchant-created-index", "pending-calls-index");
            assertThat(table.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
        }
    }

    @Test
    void redeploy_ofTheSameBuild_changesNothing() throws Exception {
        // A template that renders differently on every deploy (or an artifact that is not reproducible) would make
        // every scripts/deploy.sh run an update; samconfig's fail_on_empty_changeset=false makes this exit 0.
        Result again = deploy("primary");
        assertThat(again.exitCode()).as(again.tail()).isZero();
        assertThat(again.output() + again.errors()).contains("No changes to deploy");
        assertThat(stackStatus("primary")).isIn("CREATE_COMPLETE", "UPDATE_COMPLETE");
    }

    // ---- commands ---------------------------------------------------------------------------------------------------

    static Result deploy(String role) throws Exception {
        List<String> overrides = new ArrayList<>();
        PARAMETERS.get(role).forEach((key, value) -> overrides.add(key + "=" + value));
        // --parameter-overrides replaces samconfig's list (it does not merge), so all of them go again, with this
        // run's EnvironmentName; region, capabilities, resolve_s3 and the rest still come from the config env.
        return run("sam-deploy-" + role, Map.of(), sam(), "deploy",
                "--config-file", root.resolve("samconfig.toml").toString(),
                "--config-env", CONFIG + "-" + role,
                "--template-file", buildDir.resolve("template.yaml").toString(),
                "--stack-name", stackName(role),
                "--parameter-overrides", String.join(" ", overrides),
                "--no-fail-on-empty-changeset", "--no-confirm-changeset", "--no-progressbar");
    }

    static JsonNode describeStack(String role) throws Exception {
        Result described = aws(role, "cloudformation", "describe-stacks", "--stack-name", stackName(role),
                "--output", "json");
        assertThat(described.exitCode()).as(described.tail()).isZero();
        return JSON.readTree(described.output()).path("Stacks").path(0);
    }

    /** The stack status, or GONE once CloudFormation no longer knows the stack. */
    static String stackStatus(String role) throws Exception {
        Result described = aws(role, "cloudformation", "describe-stacks", "--stack-name", stackName(role),
                "--query", "Stacks[0].StackStatus", "--output", "text");
        if (described.exitCode() != 0 && described.errors().contains("does not exist")) {
            return "GONE";
        }
        assertThat(described.exitCode()).as(described.tail()).isZero();
        return described.output().strip();
    }

    static Map<String, String> stackResourceTypes(String role) throws Exception {
        Result listed = aws(role, "cloudformation", "describe-stack-resources", "--stack-name", stackName(role),
                "--output", "json");
        assertThat(listed.exitCode()).as(listed.tail()).isZero();
        Map<String, String> types = new TreeMap<>();
        JSON.readTree(listed.output()).path("StackResources")
                .forEach(r -> types.put(r.path("LogicalResourceId").asText(), r.path("ResourceType").asText()));
        return types;
    }

    /** The reasons CloudFormation gave for failed resources, for the assertion message of a failed deploy. */
    static String failedEvents(String role) {
        try {
            Result events = aws(role, "cloudformation", "describe-stack-events", "--stack-name", stackName(role),
                    "--query", "StackEvents[?contains(ResourceStatus, 'FAILED')].[LogicalResourceId,ResourceStatusReason]",
                    "--output", "text");
            return "failed resources:\n" + events.output() + events.errors();
        } catch (Exception e) {
            return "(no stack events: " + e + ")";
        }
    }

    static Map<String, String> outputs(String role) {
        Map<String, String> out = new TreeMap<>();
        STACKS.get(role).path("Outputs")
                .forEach(o -> out.put(o.path("OutputKey").asText(), o.path("OutputValue").asText()));
        return out;
    }

    /**
     * {@code [<role>.deploy.parameters] parameter_overrides} of samconfig.toml, with EnvironmentName replaced by
     * this run's. The file keeps it to one line of space-separated Key=Value pairs without spaces in values.
     */
    static Map<String, String> samconfigOverrides(String role) throws IOException {
        String samconfig = Files.readString(root.resolve("samconfig.toml"));
        int section = samconfig.indexOf("[" + CONFIG + "-" + role + ".deploy.parameters]");
        assertThat(section).as("samconfig.toml has [%s-%s.deploy.parameters]", CONFIG, role).isNotNegative();
        int next = samconfig.indexOf("\n[", section + 1);
        String body = samconfig.substring(section, next < 0 ? samconfig.length() : next);
        Matcher line = Pattern.compile("(?m)^parameter_overrides\\s*=\\s*\"([^\"]*)\"").matcher(body);
        assertThat(line.find()).as("parameter_overrides in [%s.deploy.parameters]", role).isTrue();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String pair : line.group(1).trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            assertThat(eq).as("Key=Value pair in parameter_overrides: %s", pair).isPositive();
            overrides.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        assertThat(overrides).containsEntry("RegionRole", role);
        overrides.put("EnvironmentName", environment);
        return overrides;
    }

    static String stackName(String role) {
        return "payments-" + environment + "-" + role;
    }

    static String sam() {
        return root.resolve(".tools/bin/sam").toString();
    }

    static Result aws(String role, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(root.resolve(".tools/bin/aws").toString(),
                "--region", REGIONS.get(role).id()));
        command.addAll(List.of(args));
        return run("aws-" + args[0] + "-" + args[1] + "-" + role, Map.of(), command.toArray(String[]::new));
    }

    /**
     * Runs a command from the repository root with the emulator's endpoint and test credentials only (a caller's
     * profile or session token never reaches it). Standard output and error go to numbered logs under
     * target/regional-stack-it, kept apart so warnings on stderr never corrupt the JSON on stdout.
     */
    static Result run(String label, Map<String, String> extraEnvironment, String... command) throws Exception {
        Path log = workDir.resolve("%02d-%s.log".formatted(++commandCount, label));
        Path errors = workDir.resolve("%02d-%s.err".formatted(commandCount, label));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
                .redirectOutput(log.toFile()).redirectError(errors.toFile());
        Map<String, String> env = builder.environment();
        for (String name : List.of("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")) {
            env.remove(name);
        }
        env.put("AWS_ENDPOINT_URL", endpoint);
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("SAM_CLI_TELEMETRY", "0");
        env.put("AWS_PAGER", "");
        env.putAll(extraEnvironment);
        Process process = builder.start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("%s timed out after %s; log %s", String.join(" ", command), COMMAND_TIMEOUT, log);
        }
        return new Result(process.exitValue(), Files.readString(log), Files.readString(errors), log);
    }

    record Result(int exitCode, String output, String errors, Path log) {
        /** The end of both streams, where sam and the CLI put the error, and where the whole log is. */
        String tail() {
            return last(output, 25) + "\n--- stderr ---\n" + last(errors, 25) + "\n(log: " + log + ")";
        }

        private static String last(String text, int count) {
            List<String> lines = text.lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        }
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
