package com.acme.payments.template;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The design rules of {@code template.yaml}, checked on the template source so a broken rule fails the build
 * instead of a deployment (or, worse, a deployment that succeeds). The names come from the contracts, not from
 * copies of them: {@code docs/architecture.md} (handler, environment, outputs), {@code api/openapi.yaml} (routes)
 * and the adapters' source code (which SDK calls the IAM policy must allow, and nothing more).
 *
 * <p>Every rule is a function from a parsed template to its violations. {@link #templateYaml_satisfiesRule} runs
 * each on {@code template.yaml} and expects none; {@link #brokenTemplate_isCaughtByRule} runs it on a small
 * template that breaks the rule, next to its corrected twin, and expects exactly the broken one to be reported,
 * so no rule can pass vacuously.
 */
class TemplateDesignRulesTest {

    /** Resource "*" is accepted only for actions that have no resource-level permissions or that Lambda checks on "*". */
    static final Set<String> ACTIONS_ALLOWED_ON_ANY_RESOURCE = Set.of(
            "xray:PutTraceSegments", "xray:PutTelemetryRecords",
            "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses", "ec2:DescribeSubnets");

    /** Interface endpoints the private function needs (no NAT): its SDK clients are DynamoDB (gateway) and SSM. */
    static final List<String> INTERFACE_ENDPOINTS = List.of("ssm");
    /**
     * Interface endpoints nothing in the function calls from inside the VPC (SSM decrypts server-side, Lambda ships
     * logs and invocation segments itself): each optional, behind its Enable parameter, off by default.
     */
    static final Map<String, String> OPTIONAL_INTERFACE_ENDPOINTS = Map.of(
            "kms", "EnableKmsEndpoint", "logs", "EnableLogsEndpoint", "xray", "EnableXRayEndpoint");

    static final String HEALTH_ROUTE = "GET /health";

    private static Path root;
    private static Map<String, Object> template;
    private static Contract contract;

    @BeforeAll
    static void load() throws IOException {
        root = repositoryRoot();
        template = CloudFormationYaml.parse(Files.readString(root.resolve("template.yaml")));
        contract = Contract.read(root);
    }

    // ---- the rules, on template.yaml and on broken templates -----------------------------------------------------

    static Stream<Rule> rules() {
        return Stream.of(
                new Rule("no nested stacks", TemplateDesignRulesTest::nestedStacks),
                new Rule("no Fn::ImportValue", TemplateDesignRulesTest::importValues),
                new Rule("outputs and export names", TemplateDesignRulesTest::outputs),
                new Rule("VPC endpoints", TemplateDesignRulesTest::vpcEndpoints),
                new Rule("no internet path unless EnableNat", TemplateDesignRulesTest::internetPaths),
                new Rule("function: SnapStart, alias, runtime, handler, VPC, logging", TemplateDesignRulesTest::function),
                new Rule("function environment", TemplateDesignRulesTest::functionEnvironment),
                new Rule("IAM: no wildcard actions, Resource \"*\" only where unavoidable", TemplateDesignRulesTest::iamWildcards),
                new Rule("IAM: the SDK calls the code makes, on this environment's resources", TemplateDesignRulesTest::iamMatchesCode),
                new Rule("KMS keys", TemplateDesignRulesTest::kmsKeys),
                new Rule("subnets by AZ ID", TemplateDesignRulesTest::subnetsByAzId),
                new Rule("reserved concurrency per environment", TemplateDesignRulesTest::reservedConcurrency),
                new Rule("global table", TemplateDesignRulesTest::globalTable),
                new Rule("SSM parameters", TemplateDesignRulesTest::ssmParameters),
                new Rule("routes and JWT authorizer", TemplateDesignRulesTest::routes),
                new Rule("alarms", TemplateDesignRulesTest::alarms));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void templateYaml_satisfiesRule(Rule rule) {
        assertThat(rule.check().apply(template)).as(rule.name()).isEmpty();
    }

    /** A broken template, its corrected twin, and the violation only the broken one must produce. */
    static Stream<Arguments> brokenTemplates() {
        String nested = """
                Resources:
                  Child:
                    Type: %s
                    Properties: {}
                """;
        String output = """
                Resources:
                  Vpc:
                    Type: AWS::EC2::VPC
                    Properties: {CidrBlock: 10.0.0.0/16}
                Outputs:
                  VpcId:
                    Value: %s
                    Export:
                      Name: !Sub ${AWS::StackName}-%s
                """;
        String policy = """
                Resources:
                  Role:
                    Type: AWS::IAM::Role
                    Properties:
                      AssumeRolePolicyDocument: {}
                      Policies:
                        - PolicyName: p
                          PolicyDocument:
                            Version: '2012-10-17'
                            Statement:
                              - Effect: Allow
                                Action: %s
                                Resource: %s
                """;
        String table = """
                Conditions:
                  IsPrimary: !Equals [!Ref RegionRole, primary]
                Resources:
                  PaymentsTable:
                    Type: AWS::DynamoDB::GlobalTable
                    %s
                    Properties:
                      TableName: !Sub payments-${EnvironmentName}
                      Replicas:
                        - Region: !Ref AWS::Region
                        %s
                """;
        String route = """
                Resources:
                  HttpApi:
                    Type: AWS::Serverless::HttpApi
                    Properties:
                      Auth:
                        DefaultAuthorizer: Jwt
                        Authorizers:
                          Jwt:
                            IdentitySource: $request.header.Authorization
                            JwtConfiguration: {issuer: !Ref JwtIssuer, audience: [!Ref JwtAudience]}
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Events:
                        Create:
                          Type: HttpApi
                          Properties: {%s Method: POST, Path: /payments%s}
                """;
        String egress = """
                Conditions:
                  UseNat: !Equals [!Ref EnableNat, 'true']
                Resources:
                  Sg:
                    Type: AWS::EC2::SecurityGroup
                    %s
                    Properties:
                      SecurityGroupEgress:
                        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
                """;
        String endpoints = """
                Resources:
                  RouteTable:
                    Type: AWS::EC2::RouteTable
                  Subnet:
                    Type: AWS::EC2::Subnet
                  Dynamo:
                    Type: AWS::EC2::VPCEndpoint
                    Properties:
                      VpcEndpointType: Gateway
                      ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb
                      RouteTableIds: [!Ref RouteTable]
                %s
                """;
        StringBuilder interfaceEndpoints = new StringBuilder();
        for (String service : INTERFACE_ENDPOINTS) {
            interfaceEndpoints.append("""
                      Endpoint%s:
                        Type: AWS::EC2::VPCEndpoint
                        Properties:
                          VpcEndpointType: Interface
                          ServiceName: !Sub com.amazonaws.${AWS::Region}.%s
                          PrivateDnsEnabled: %s
                          SubnetIds: [!Ref Subnet]
                          SecurityGroupIds: [sg-1]
                    """.formatted(service, service, "%1$s"));
        }
        String optionalEndpoint = """
                Parameters:
                  EnableKmsEndpoint: {Type: String, Default: '%s'}
                Conditions:
                  HasKmsEndpoint: !Equals [!Ref EnableKmsEndpoint, 'true']
                Resources:
                  RouteTable:
                    Type: AWS::EC2::RouteTable
                  Subnet:
                    Type: AWS::EC2::Subnet
                  Dynamo:
                    Type: AWS::EC2::VPCEndpoint
                    Properties:
                      VpcEndpointType: Gateway
                      ServiceName: !Sub com.amazonaws.${AWS::Region}.dynamodb
                      RouteTableIds: [!Ref RouteTable]
                  Ssm:
                    Type: AWS::EC2::VPCEndpoint
                    Properties:
                      VpcEndpointType: Interface
                      ServiceName: !Sub com.amazonaws.${AWS::Region}.ssm
                      PrivateDnsEnabled: true
                      SubnetIds: [!Ref Subnet]
                      SecurityGroupIds: [sg-1]
                  Kms:
                    Type: AWS::EC2::VPCEndpoint
                    %s
                    Properties:
                      VpcEndpointType: Interface
                      ServiceName: !Sub com.amazonaws.${AWS::Region}.kms
                      PrivateDnsEnabled: true
                      SubnetIds: [!Ref Subnet]
                      SecurityGroupIds: [sg-1]
                """;
        String subnet = """
                Parameters:
                  AvailabilityZoneIdA: {Type: String, Default: ''}
                Conditions:
                  HasAzOverrideA: !Not [!Equals [!Ref AvailabilityZoneIdA, '']]
                Mappings:
                  AvailabilityZoneIds:
                    us-east-1: {A: use1-az1, B: use1-az2}
                    us-east-2: {A: use2-az1, B: use2-az2}
                Resources:
                  Subnet:
                    Type: AWS::EC2::Subnet
                    Properties:
                      VpcId: vpc-1
                      %s
                """;
        String key = """
                Resources:
                  TableKey:
                    Type: AWS::KMS::Key
                    DeletionPolicy: %s
                    Properties:
                      EnableKeyRotation: true
                      KeyPolicy:
                        Statement:
                          - Effect: Allow
                            Principal: {Service: cloudwatch.amazonaws.com}
                            Action: [kms:Decrypt]
                            Resource: '*'
                            %s
                """;
        String concurrency = """
                Conditions:
                  HasReservedConcurrency: !Not [!Equals [!Ref ReservedConcurrency, '0']]
                Resources:
                  PaymentFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      ReservedConcurrentExecutions: %s
                """;
        return Stream.of(
                Arguments.of("nested stack", rule("no nested stacks"),
                        nested.formatted("AWS::CloudFormation::Stack"), nested.formatted("AWS::EC2::VPC"),
                        "nested stack"),
                Arguments.of("nested SAM application", rule("no nested stacks"),
                        nested.formatted("AWS::Serverless::Application"), nested.formatted("AWS::EC2::VPC"),
                        "nested stack"),
                Arguments.of("ImportValue in short form", rule("no Fn::ImportValue"),
                        output.formatted("!ImportValue other-stack-VpcId", "VpcId"),
                        output.formatted("!Ref Vpc", "VpcId"), "Fn::ImportValue"),
                Arguments.of("export name not <stack>-<output>", rule("outputs and export names"),
                        output.formatted("!Ref Vpc", "Vpc"), output.formatted("!Ref Vpc", "VpcId"),
                        "VpcId: export name"),
                Arguments.of("Action \"*\"", rule("IAM: no wildcard actions, Resource \"*\" only where unavoidable"),
                        policy.formatted("'*'", "arn:aws:s3:::b"), policy.formatted("s3:GetObject", "arn:aws:s3:::b"),
                        "wildcard action"),
                Arguments.of("service wildcard action", rule("IAM: no wildcard actions, Resource \"*\" only where unavoidable"),
                        policy.formatted("[dynamodb:GetItem, 'dynamodb:*']", "arn:aws:dynamodb:::table/t"),
                        policy.formatted("[dynamodb:GetItem]", "arn:aws:dynamodb:::table/t"), "wildcard action"),
                Arguments.of("Resource \"*\" for a scopable action",
                        rule("IAM: no wildcard actions, Resource \"*\" only where unavoidable"),
                        policy.formatted("[xray:PutTraceSegments, dynamodb:GetItem]", "'*'"),
                        policy.formatted("[xray:PutTraceSegments]", "'*'"), "Resource \"*\""),
                Arguments.of("global table without the primary condition", rule("global table"),
                        table.formatted("", "- Region: !Ref SecondaryRegion"),
                        table.formatted("Condition: IsPrimary", "- Region: !Ref SecondaryRegion"),
                        "only under the primary condition"),
                Arguments.of("global table without the secondary replica", rule("global table"),
                        table.formatted("Condition: IsPrimary", ""),
                        table.formatted("Condition: IsPrimary", "- Region: !Ref SecondaryRegion"),
                        "replica regions"),
                Arguments.of("payment route without the JWT authorizer", rule("routes and JWT authorizer"),
                        route.formatted("ApiId: !Ref HttpApi,", ", Auth: {Authorizer: NONE}"),
                        route.formatted("ApiId: !Ref HttpApi,", ""), "POST /payments: without the JWT authorizer"),
                Arguments.of("route on SAM's implicit API (no authorizer)", rule("routes and JWT authorizer"),
                        route.formatted("", ""), route.formatted("ApiId: !Ref HttpApi,", ""),
                        "POST /payments: not on the template's HttpApi"),
                Arguments.of("internet egress without EnableNat", rule("no internet path unless EnableNat"),
                        egress.formatted(""), egress.formatted("Condition: UseNat"), "0.0.0.0/0"),
                Arguments.of("interface endpoint without private DNS", rule("VPC endpoints"),
                        endpoints.formatted(interfaceEndpoints.toString().formatted("false")),
                        endpoints.formatted(interfaceEndpoints.toString().formatted("true")),
                        "ssm: Interface endpoint with PrivateDnsEnabled"),
                Arguments.of("missing SSM endpoint", rule("VPC endpoints"),
                        endpoints.formatted(interfaceEndpoints.toString().formatted("true")
                                .replace(".ssm", ".kinesis-streams")),
                        endpoints.formatted(interfaceEndpoints.toString().formatted("true")),
                        "ssm: Interface endpoint"),
                Arguments.of("optional endpoint created unconditionally", rule("VPC endpoints"),
                        optionalEndpoint.formatted("false", ""),
                        optionalEndpoint.formatted("false", "Condition: HasKmsEndpoint"),
                        "kms: optional endpoint must exist only under"),
                Arguments.of("optional endpoint on by default", rule("VPC endpoints"),
                        optionalEndpoint.formatted("true", "Condition: HasKmsEndpoint"),
                        optionalEndpoint.formatted("false", "Condition: HasKmsEndpoint"),
                        "EnableKmsEndpoint must default to 'false'"),
                Arguments.of("subnet placed by account-specific AZ name", rule("subnets by AZ ID"),
                        subnet.formatted("AvailabilityZone: !Select [0, !GetAZs '']"),
                        subnet.formatted("AvailabilityZoneId: !If [HasAzOverrideA, !Ref AvailabilityZoneIdA, "
                                + "!FindInMap [AvailabilityZoneIds, !Ref 'AWS::Region', A]]"),
                        "Subnet: AvailabilityZoneId"),
                Arguments.of("table key retained even when its first create rolls back", rule("KMS keys"),
                        key.formatted("Retain", "Condition: {StringEquals: {'aws:SourceAccount': !Ref AWS::AccountId}}"),
                        key.formatted("RetainExceptOnCreate",
                                "Condition: {StringEquals: {'aws:SourceAccount': !Ref AWS::AccountId}}"),
                        "TableKey: DeletionPolicy Retain leaks a key"),
                Arguments.of("service principal in a key policy without a source condition", rule("KMS keys"),
                        key.formatted("RetainExceptOnCreate", ""),
                        key.formatted("RetainExceptOnCreate",
                                "Condition: {StringEquals: {'aws:SourceAccount': !Ref AWS::AccountId}}"),
                        "service principal cloudwatch.amazonaws.com without"),
                Arguments.of("reserved concurrency always on", rule("reserved concurrency per environment"),
                        concurrency.formatted("!Ref ReservedConcurrency"),
                        concurrency.formatted("!If [HasReservedConcurrency, !Ref ReservedConcurrency, !Ref AWS::NoValue]"),
                        "ReservedConcurrentExecutions must be"),
                Arguments.of("secondary replica key named by alias", rule("global table"),
                        table.formatted("Condition: IsPrimary", """
                                - Region: !Ref SecondaryRegion
                                          SSESpecification:
                                            KMSMasterKeyId: !Sub arn:aws:kms:${SecondaryRegion}:${AWS::AccountId}:alias/x"""),
                        table.formatted("Condition: IsPrimary", """
                                - Region: !Ref SecondaryRegion
                                          SSESpecification:
                                            KMSMasterKeyId: !Ref SecondaryTableKeyArn"""),
                        "KMSMasterKeyId must be !Ref SecondaryTableKeyArn"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenTemplates")
    void brokenTemplate_isCaughtByRule(String description, Rule rule, String broken, String fixed, String expected) {
        assertThat(rule.check().apply(CloudFormationYaml.parse(broken)))
                .as("%s: violations of the broken template", description)
                .anyMatch(violation -> violation.contains(expected));
        assertThat(rule.check().apply(CloudFormationYaml.parse(fixed)))
                .as("%s: violations of the corrected twin", description)
                .noneMatch(violation -> violation.contains(expected));
    }

    // ---- the YAML reader itself -----------------------------------------------------------------------------------

    @Test
    void aReconcilerThatOutlivesTheApiFunction_isCaught() {
        Map<String, Map<String, Object>> functions = resourcesOfType(template, "AWS::Serverless::Function");
        Map<String, Object> longer = new java.util.LinkedHashMap<>(functions.get("ReconcilerFunction"));
        Map<String, Object> props = new java.util.LinkedHashMap<>(map(longer.get("Properties")));
        props.put("Timeout", 120);
        longer.put("Properties", props);

        assertThat(reconciler(template, functions.get("ReconcilerFunction"), functions.get("PaymentFunction"))).isEmpty();
        assertThat(reconciler(template, longer, functions.get("PaymentFunction")))
                .anySatisfy(v -> assertThat(v).contains("Timeout (120)"));
    }

    @Test
    void reader_turnsShortFormTagsIntoTheLongForm() {
        Map<String, Object> parsed = CloudFormationYaml.parse("""
                A: !GetAtt Fn.Alias.Arn
                B: !Sub ['${x}', {x: !Ref P}]
                C: !If [Cond, !Select [0, !GetAZs ''], !Ref AWS::NoValue]
                """);
        assertThat(parsed.get("A")).isEqualTo(Map.of("Fn::GetAtt", List.of("Fn", "Alias.Arn")));
        assertThat(parsed.get("B")).isEqualTo(Map.of("Fn::Sub", List.of("${x}", Map.of("x", Map.of("Ref", "P")))));
        assertThat(parsed.get("C")).isEqualTo(Map.of("Fn::If", List.of("Cond",
                Map.of("Fn::Select", List.of(0, Map.of("Fn::GetAZs", ""))), Map.of("Ref", "AWS::NoValue"))));
    }

    @Test
    void reader_rejectsUnknownTagsAndDuplicateKeys() {
        // CloudFormation rejects both; a lenient reader would let the rules check something CloudFormation never sees.
        assertThatThrownBy(() -> CloudFormationYaml.parse("A: !NoSuchFunction x")).isInstanceOf(YAMLException.class);
        assertThatThrownBy(() -> CloudFormationYaml.parse("A: 1\nA: 2")).isInstanceOf(YAMLException.class);
    }

    @Test
    void contract_isReadFromTheDocs() {
        // The rules compare against these; an empty set read from a reworded document would make them vacuous.
        assertThat(contract.outputs()).hasSize(11).contains("VpcId", "ApiEndpoint", "ParameterPath", "TableKeyArn");
        assertThat(contract.environment()).contains("PAYMENTS_TABLE_NAME", "PAYMENTS_PARAMETER_PATH")
                .doesNotContain("AWS_REGION");
        assertThat(contract.handler()).isEqualTo("com.acme.payments.function.PaymentHandler::handleRequest");
        assertThat(contract.dynamoDbActions()).contains("dynamodb:GetItem", "dynamodb:PutItem");
        assertThat(contract.ssmActions()).contains("ssm:GetParametersByPath");
        assertThat(contract.routes()).contains(HEALTH_ROUTE, "POST /payments");
        assertThat(contract.publicRoutes()).containsExactly(HEALTH_ROUTE);
    }

    // ---- rule implementations -------------------------------------------------------------------------------------

    /** Design rule 1: regional stacks are top-level stacks; nothing here is a child of anything. */
    static List<String> nestedStacks(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        resources(t).forEach((id, r) -> {
            String type = type(r);
            if (type.equals("AWS::CloudFormation::Stack") || type.equals("AWS::Serverless::Application")) {
                violations.add(id + ": nested stack (" + type + ")");
            }
        });
        return violations;
    }

    /** Design rule 2: values cross regions through SSM, never through exports (which cannot cross regions anyway). */
    static List<String> importValues(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        walk(t, node -> {
            if (node instanceof Map<?, ?> m && m.containsKey("Fn::ImportValue")) {
                violations.add("Fn::ImportValue " + m.get("Fn::ImportValue"));
            }
        });
        return violations;
    }

    /** Design rule 4 and docs/architecture.md: the documented outputs, each exported as {@code <stack>-<Name>}. */
    static List<String> outputs(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Map<String, Object> outputs = map(t.get("Outputs"));
        if (!outputs.keySet().equals(new LinkedHashSet<>(contract.outputs()))) {
            violations.add("outputs " + new TreeSet<>(outputs.keySet()) + " differ from docs/architecture.md "
                    + new TreeSet<>(contract.outputs()));
        }
        outputs.forEach((name, o) -> {
            Object exportName = map(map(o).get("Export")).get("Name");
            if (!Map.of("Fn::Sub", "${AWS::StackName}-" + name).equals(exportName)) {
                violations.add(name + ": export name must be !Sub ${AWS::StackName}-" + name + ", is " + exportName);
            }
            if (map(o).containsKey("Condition")) {
                violations.add(name + ": conditional output; both regional stacks must have every output");
            }
        });
        return violations;
    }

    /**
     * Design rule 5: no NAT, so DynamoDB (gateway) and SSM (interface) need endpoints; KMS, Logs and X-Ray endpoints
     * are optional (off by default, behind their Enable parameter), since nothing in the function calls them.
     */
    static List<String> vpcEndpoints(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Map<String, Map<String, Object>> byService = new LinkedHashMap<>();
        resourcesOfType(t, "AWS::EC2::VPCEndpoint").forEach((id, r) -> {
            String serviceName = String.valueOf(map(r.get("Properties")).get("ServiceName"));
            Matcher m = Pattern.compile("com\\.amazonaws\\.\\$\\{AWS::Region}\\.([a-z0-9.-]+)").matcher(serviceName);
            if (m.find()) {
                byService.put(m.group(1), r);
            } else {
                violations.add(id + ": ServiceName must be !Sub com.amazonaws.${AWS::Region}.<service>, is " + serviceName);
            }
        });
        resourcesOfType(t, "AWS::EC2::VPCEndpoint").forEach((id, r) -> {
            String serviceName = String.valueOf(map(r.get("Properties")).get("ServiceName"));
            Matcher m = Pattern.compile("com\\.amazonaws\\.\\$\\{AWS::Region}\\.([a-z0-9.-]+)").matcher(serviceName);
            String service = m.find() ? m.group(1) : "?";
            String parameter = OPTIONAL_INTERFACE_ENDPOINTS.get(service);
            if (parameter == null) {
                if (r.containsKey("Condition")) {
                    violations.add(id + ": conditional endpoint; the function cannot work without it");
                }
                return;
            }
            Object condition = map(t.get("Conditions")).get(String.valueOf(r.get("Condition")));
            if (!Map.of("Fn::Equals", List.of(Map.of("Ref", parameter), "true")).equals(condition)) {
                violations.add(service + ": optional endpoint must exist only under !Equals [!Ref " + parameter
                        + ", 'true'], has condition " + r.get("Condition"));
            }
            Object defaultValue = map(map(t.get("Parameters")).get(parameter)).get("Default");
            if (!"false".equals(defaultValue)) {
                violations.add(parameter + " must default to 'false' (nothing in the function needs it), is "
                        + defaultValue);
            }
        });
        Set<Object> routeTables = refsTo(t, "AWS::EC2::RouteTable", false);
        Set<Object> subnets = refsTo(t, "AWS::EC2::Subnet", false);
        Map<String, Object> dynamo = map(map(byService.get("dynamodb")).get("Properties"));
        if (!"Gateway".equals(dynamo.get("VpcEndpointType"))) {
            violations.add("dynamodb: Gateway endpoint missing");
        } else if (!new LinkedHashSet<>(list(dynamo.get("RouteTableIds"))).equals(routeTables)) {
            violations.add("dynamodb: Gateway endpoint must be on every private route table " + routeTables
                    + ", is on " + dynamo.get("RouteTableIds"));
        }
        List<String> present = new ArrayList<>(INTERFACE_ENDPOINTS);
        OPTIONAL_INTERFACE_ENDPOINTS.keySet().stream().filter(byService::containsKey).sorted().forEach(present::add);
        for (String service : present) {
            Map<String, Object> p = map(map(byService.get(service)).get("Properties"));
            if (!"Interface".equals(p.get("VpcEndpointType")) || !Boolean.TRUE.equals(p.get("PrivateDnsEnabled"))) {
                violations.add(service + ": Interface endpoint with PrivateDnsEnabled: true missing (type "
                        + p.get("VpcEndpointType") + ", PrivateDnsEnabled " + p.get("PrivateDnsEnabled") + ")");
            } else if (!new LinkedHashSet<>(list(p.get("SubnetIds"))).equals(subnets)
                    || list(p.get("SecurityGroupIds")).isEmpty()) {
                violations.add(service + ": Interface endpoint must be in every private subnet " + subnets
                        + " with a security group");
            }
        }
        resourcesOfType(t, "AWS::EC2::VPC").forEach((id, r) -> {
            Map<String, Object> p = map(r.get("Properties"));
            if (!(Boolean.TRUE.equals(p.get("EnableDnsSupport"))
                    && Boolean.TRUE.equals(p.get("EnableDnsHostnames")))) {
                violations.add(id + ": private DNS of interface endpoints needs EnableDnsSupport and EnableDnsHostnames");
            }
        });
        return violations;
    }

    /**
     * No internet path unless EnableNat=true: gateways, NAT, Elastic IPs, default routes and any rule open to
     * 0.0.0.0/0 exist only under the UseNat condition, and EnableNat defaults to off.
     */
    static List<String> internetPaths(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Object useNat = map(t.get("Conditions")).get("UseNat");
        if (!Map.of("Fn::Equals", List.of(Map.of("Ref", "EnableNat"), "true")).equals(useNat)) {
            violations.add("condition UseNat must be !Equals [!Ref EnableNat, 'true'], is " + useNat);
        }
        Object natDefault = map(map(t.get("Parameters")).get("EnableNat")).get("Default");
        if (!"false".equals(natDefault)) {
            violations.add("EnableNat must default to 'false', is " + natDefault);
        }
        Set<String> internetTypes = Set.of("AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment",
                "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::EgressOnlyInternetGateway");
        resources(t).forEach((id, r) -> {
            boolean underNat = "UseNat".equals(r.get("Condition"));
            Map<String, Object> p = map(r.get("Properties"));
            if (internetTypes.contains(type(r)) && !underNat) {
                violations.add(id + ": " + type(r) + " outside the UseNat condition");
            }
            if (type(r).equals("AWS::EC2::Route") && "0.0.0.0/0".equals(p.get("DestinationCidrBlock")) && !underNat) {
                violations.add(id + ": default route 0.0.0.0/0 outside the UseNat condition");
            }
            if (type(r).equals("AWS::EC2::SecurityGroup")) {
                walk(p.get("SecurityGroupIngress"), node -> {
                    if ("0.0.0.0/0".equals(node) || "::/0".equals(node)) {
                        violations.add(id + ": ingress from " + node);
                    }
                });
                walk(p.get("SecurityGroupEgress"), node -> {
                    if (("0.0.0.0/0".equals(node) || "::/0".equals(node)) && !underNat) {
                        violations.add(id + ": egress to " + node + " outside the UseNat condition");
                    }
                });
            }
            if (type(r).equals("AWS::EC2::Subnet") && !underNat && Boolean.TRUE.equals(p.get("MapPublicIpOnLaunch"))) {
                violations.add(id + ": private subnet maps public IPs");
            }
        });
        return violations;
    }

    /**
     * The background reconciler: the same jar and role as the API function, the ReconcilerHandler, in the same VPC
     * and log group, invoked only by a schedule (issue 11: no payment depends on a GET to settle).
     */
    static List<String> reconciler(Map<String, Object> t, Map<String, Object> f, Map<String, Object> api) {
        List<String> violations = new ArrayList<>();
        Map<String, Object> p = map(f.get("Properties"));
        Map<String, Object> apiProps = map(api.get("Properties"));
        expect(violations, "Reconciler Runtime", p.get("Runtime"), "java25");
        expect(violations, "Reconciler Handler", p.get("Handler"),
                "com.acme.payments.function.ReconcilerHandler::handleRequest");
        expect(violations, "Reconciler CodeUri", p.get("CodeUri"), apiProps.get("CodeUri"));
        expect(violations, "Reconciler Role", p.get("Role"), apiProps.get("Role"));
        expect(violations, "Reconciler VpcConfig", p.get("VpcConfig"), apiProps.get("VpcConfig"));
        expect(violations, "Reconciler LogGroup", map(p.get("LoggingConfig")).get("LogGroup"),
                map(apiProps.get("LoggingConfig")).get("LogGroup"));
        expect(violations, "Reconciler Metadata.BuildMethod", map(f.get("Metadata")).get("BuildMethod"), "makefile");
        // The failover waits fence TTL + the API function's timeout: a reconciler run in the fenced region must end
        // within that, so its timeout may not be longer.
        if (!(p.get("Timeout") instanceof Integer rt && apiProps.get("Timeout") instanceof Integer at && rt <= at)) {
            violations.add("the reconciler's Timeout (" + p.get("Timeout") + ") must be a number no larger than the API"
                    + " function's (" + apiProps.get("Timeout") + "): the failover's wait covers only that");
        }
        Map<String, Object> events = map(p.get("Events"));
        if (events.isEmpty() || !events.values().stream().allMatch(e -> "Schedule".equals(map(e).get("Type")))) {
            violations.add("the reconciler must be invoked by a Schedule event and nothing else, has " + events);
        }
        Map<String, Object> tableProps = resourcesOfType(t, "AWS::DynamoDB::GlobalTable").values().stream()
                .findFirst().map(r -> map(r.get("Properties"))).orElse(Map.of());
        boolean hasIndex = list(tableProps.get("GlobalSecondaryIndexes")).stream()
                .anyMatch(g -> "pending-calls-index".equals(map(g).get("IndexName")));
        if (!hasIndex) {
            violations.add("the table needs the sparse pending-calls-index the reconciler reads");
        }
        return violations;
    }

    /** SnapStart on published versions, the alias the API calls, Java 25, the documented handler, in the VPC. */
    static List<String> function(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Map<String, Map<String, Object>> functions = resourcesOfType(t, "AWS::Serverless::Function");
        if (!functions.keySet().equals(java.util.Set.of("PaymentFunction", "ReconcilerFunction"))) {
            violations.add("expected the AWS::Serverless::Functions PaymentFunction and ReconcilerFunction, found "
                    + functions.keySet());
            return violations;
        }
        violations.addAll(reconciler(t, functions.get("ReconcilerFunction"), functions.get("PaymentFunction")));
        if (!resourcesOfType(t, "AWS::Lambda::Function").isEmpty()) {
            violations.add("plain AWS::Lambda::Function present; the API must call a SnapStart alias");
        }
        Map<String, Object> f = functions.get("PaymentFunction");
        Map<String, Object> p = map(f.get("Properties"));
        expect(violations, "Runtime", p.get("Runtime"), "java25");
        expect(violations, "Handler", p.get("Handler"), contract.handler());
        expect(violations, "FunctionName", p.get("FunctionName"), Map.of("Fn::Sub", "payments-${EnvironmentName}-api"));
        expect(violations, "SnapStart", p.get("SnapStart"), Map.of("ApplyOn", "PublishedVersions"));
        expect(violations, "AutoPublishAlias", p.get("AutoPublishAlias"), "live");
        expect(violations, "Tracing", p.get("Tracing"), "Active");
        expect(violations, "Metadata.BuildMethod", map(f.get("Metadata")).get("BuildMethod"), "makefile");
        expect(violations, "CodeUri", p.get("CodeUri"), ".");
        Map<String, Object> logging = map(p.get("LoggingConfig"));
        expect(violations, "LoggingConfig.LogFormat", logging.get("LogFormat"), "JSON");
        Map<String, Object> logGroup = logGroupReferencedBy(t, logging.get("LogGroup"));
        if (logGroup == null) {
            violations.add("LoggingConfig.LogGroup must !Ref an AWS::Logs::LogGroup of this template");
        } else if (!map(logGroup.get("Properties")).containsKey("RetentionInDays")
                || !map(logGroup.get("Properties")).containsKey("KmsKeyId")) {
            violations.add("the function's log group needs RetentionInDays and KmsKeyId");
        }
        Map<String, Object> vpc = map(p.get("VpcConfig"));
        if (!new LinkedHashSet<>(list(vpc.get("SubnetIds"))).equals(refsTo(t, "AWS::EC2::Subnet", false))
                || list(vpc.get("SecurityGroupIds")).isEmpty()) {
            violations.add("VpcConfig must use every private subnet and a security group, is " + vpc);
        }
        // Ephemeral storage above 512 MB disables SnapStart; provisioned concurrency is not allowed with it.
        Object storage = map(p.get("EphemeralStorage")).get("Size");
        if (storage instanceof Number n && n.intValue() > 512) {
            violations.add("EphemeralStorage above 512 MB is not supported with SnapStart");
        }
        if (p.containsKey("ProvisionedConcurrencyConfig")) {
            violations.add("provisioned concurrency is not supported with SnapStart");
        }
        // API Gateway gives up after 30 s; the function must decide first, and an unfinished request's
        // idempotency lock must outlive the function (docs/architecture.md).
        Object timeout = p.get("Timeout");
        Object lock = map(map(p.get("Environment")).get("Variables")).get("PAYMENTS_IDEMPOTENCY_LOCK_SECONDS");
        if (!(timeout instanceof Number n) || n.intValue() >= 30) {
            violations.add("Timeout must be below API Gateway's 30 s integration limit, is " + timeout);
        } else if (lock == null || Integer.parseInt(lock.toString()) <= n.intValue()) {
            violations.add("PAYMENTS_IDEMPOTENCY_LOCK_SECONDS (" + lock + ") must exceed the timeout " + timeout);
        }
        map(p.get("Events")).forEach((name, e) -> {
            if (!"HttpApi".equals(map(e).get("Type"))) {
                violations.add("event " + name + " is " + map(e).get("Type") + "; only the HTTP API invokes the function");
            }
        });
        return violations;
    }

    /** The environment variables are exactly the documented ones (AWS_REGION is Lambda's own). */
    static List<String> functionEnvironment(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Map<String, Object> variables = map(map(map(map(resources(t).get("PaymentFunction")).get("Properties"))
                .get("Environment")).get("Variables"));
        if (!new TreeSet<>(variables.keySet()).equals(new TreeSet<>(contract.environment()))) {
            violations.add("environment " + new TreeSet<>(variables.keySet()) + " differs from docs/architecture.md "
                    + new TreeSet<>(contract.environment()));
        }
        expect(violations, "PAYMENTS_TABLE_NAME", variables.get("PAYMENTS_TABLE_NAME"),
                Map.of("Fn::Sub", "payments-${EnvironmentName}"));
        expect(violations, "PAYMENTS_PARAMETER_PATH", variables.get("PAYMENTS_PARAMETER_PATH"),
                Map.of("Fn::Sub", "/payments/${EnvironmentName}/"));
        expect(violations, "PAYMENTS_REGION_ROLE", variables.get("PAYMENTS_REGION_ROLE"), Map.of("Ref", "RegionRole"));
        return violations;
    }

    /** No Action "*" or "service:*" in any identity or endpoint policy; Resource "*" only for the allowed actions. */
    static List<String> iamWildcards(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        resources(t).forEach((id, r) -> {
            Map<String, Object> p = map(r.get("Properties"));
            if (!list(p.get("ManagedPolicyArns")).isEmpty()) {
                violations.add(id + ": managed policies cannot be checked here; use inline statements");
            }
            if (type(r).equals("AWS::Serverless::Function") && p.containsKey("Policies")) {
                violations.add(id + ": SAM Policies (policy templates, managed policies) instead of the explicit role");
            }
            for (Map<String, Object> statement : identityStatements(r)) {
                if (statement.containsKey("NotAction") || statement.containsKey("NotResource")) {
                    violations.add(id + ": NotAction/NotResource grants everything else");
                }
                List<String> actions = strings(statement.get("Action"));
                actions.stream().filter(TemplateDesignRulesTest::isWildcardAction)
                        .forEach(a -> violations.add(id + ": wildcard action " + a));
                if (type(r).equals("AWS::EC2::VPCEndpoint")) {
                    continue; // endpoint policies name principals "*"; their resources are checked by the rules above
                }
                if (list(statement.get("Resource")).contains("*") || "*".equals(statement.get("Resource"))) {
                    actions.stream().filter(a -> !ACTIONS_ALLOWED_ON_ANY_RESOURCE.contains(a))
                            .forEach(a -> violations.add(id + ": Resource \"*\" for " + a));
                }
            }
        });
        return violations;
    }

    /**
     * The function role allows exactly the DynamoDB and SSM operations the deployed code calls (read from the
     * source, so a new SDK call without its permission, or a permission nothing uses, fails here), on this
     * environment's table and parameter path only.
     */
    static List<String> iamMatchesCode(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Object roleRef = map(map(resources(t).get("PaymentFunction")).get("Properties")).get("Role");
        Object roleId = list(map(roleRef).get("Fn::GetAtt")).stream().findFirst().orElse(null);
        Map<String, Object> role = map(resources(t).get(String.valueOf(roleId)));
        if (!"AWS::IAM::Role".equals(role.get("Type"))) {
            violations.add("PaymentFunction.Role must be !GetAtt <an AWS::IAM::Role of this template>.Arn, is " + roleRef);
            return violations;
        }
        Set<String> dynamo = new TreeSet<>();
        Set<String> ssm = new TreeSet<>();
        for (Map<String, Object> statement : identityStatements(role)) {
            for (String action : strings(statement.get("Action"))) {
                String resources = String.valueOf(statement.get("Resource"));
                boolean anyResource = strings(statement.get("Resource")).contains("*");
                if (action.startsWith("dynamodb:")) {
                    dynamo.add(action);
                    if (!resources.contains(":table/payments-${EnvironmentName}") || anyResource) {
                        violations.add(action + " must be scoped to table/payments-${EnvironmentName}, is " + resources);
                    }
                } else if (action.startsWith("ssm:")) {
                    ssm.add(action);
                    if (!resources.contains(":parameter/payments/${EnvironmentName}") || anyResource) {
                        violations.add(action + " must be scoped to /payments/${EnvironmentName}, is " + resources);
                    }
                }
            }
        }
        if (!dynamo.equals(contract.dynamoDbActions())) {
            violations.add("function role DynamoDB actions " + dynamo + " differ from the calls in the code "
                    + contract.dynamoDbActions());
        }
        if (!ssm.equals(contract.ssmActions())) {
            violations.add("function role SSM actions " + ssm + " differ from the calls in the code " + contract.ssmActions());
        }
        return violations;
    }

    /** Rotation on every key; key policies give wildcard actions to the account root only, never to "*". */
    static List<String> kmsKeys(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Object accountRoot = Map.of("Fn::Sub", "arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
        resourcesOfType(t, "AWS::KMS::Key").forEach((id, r) -> {
            Map<String, Object> p = map(r.get("Properties"));
            if (!Boolean.TRUE.equals(p.get("EnableKeyRotation"))) {
                violations.add(id + ": EnableKeyRotation must be true");
            }
            if ("Retain".equals(r.get("DeletionPolicy"))) {
                violations.add(id + ": DeletionPolicy Retain leaks a key on every failed first create; use "
                        + "RetainExceptOnCreate");
            }
            for (Object s : list(map(p.get("KeyPolicy")).get("Statement"))) {
                Map<String, Object> statement = map(s);
                Object principal = statement.get("Principal");
                if ("*".equals(principal) || "*".equals(map(principal).get("AWS"))) {
                    violations.add(id + ": key policy grants to any principal");
                }
                Object service = map(principal).get("Service");
                if (service != null) {
                    Map<String, Object> conditions = new LinkedHashMap<>();
                    map(statement.get("Condition")).values().forEach(c -> conditions.putAll(map(c)));
                    boolean bound = conditions.containsKey("aws:SourceAccount") || conditions.containsKey("aws:SourceArn")
                            || conditions.containsKey("kms:EncryptionContext:aws:logs:arn");
                    if (!bound) {
                        violations.add(id + ": service principal " + service + " without aws:SourceAccount/aws:SourceArn "
                                + "(or the logs encryption context) condition: any account's resource could use the key");
                    }
                }
                boolean wildcard = strings(statement.get("Action")).stream().anyMatch(TemplateDesignRulesTest::isWildcardAction);
                if (wildcard && !accountRoot.equals(map(principal).get("AWS"))) {
                    violations.add(id + ": wildcard key actions for " + principal + "; only the account root delegates");
                }
            }
        });
        return violations;
    }

    /**
     * The global table exists only in the primary stack, replicated to both regions, with the documented key
     * schema, index and TTL, encrypted per replica, with point-in-time recovery and deletion protection.
     */
    static List<String> globalTable(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        if (!resourcesOfType(t, "AWS::DynamoDB::Table").isEmpty()) {
            violations.add("AWS::DynamoDB::Table present; the payments table is a global table");
        }
        Map<String, Map<String, Object>> tables = resourcesOfType(t, "AWS::DynamoDB::GlobalTable");
        if (tables.size() != 1) {
            violations.add("expected one AWS::DynamoDB::GlobalTable, found " + tables.keySet());
            return violations;
        }
        Map<String, Object> table = tables.values().iterator().next();
        Object condition = map(t.get("Conditions")).get(String.valueOf(table.get("Condition")));
        Set<Object> primaryConditions = Set.of(
                Map.of("Fn::Equals", List.of(Map.of("Ref", "RegionRole"), "primary")),
                Map.of("Fn::Equals", List.of("primary", Map.of("Ref", "RegionRole"))));
        if (condition == null || !primaryConditions.contains(condition)) {
            violations.add("the global table must exist only under the primary condition "
                    + "(!Equals [!Ref RegionRole, primary]), has " + table.get("Condition"));
        }
        Map<String, Object> p = map(table.get("Properties"));
        expect(violations, "TableName", p.get("TableName"), Map.of("Fn::Sub", "payments-${EnvironmentName}"));
        List<Object> regions = list(p.get("Replicas")).stream().map(r -> map(r).get("Region")).toList();
        if (!new HashSet<>(regions).equals(Set.of(Map.of("Ref", "AWS::Region"), Map.of("Ref", "SecondaryRegion")))
                || regions.size() != 2) {
            violations.add("replica regions must be [!Ref AWS::Region, !Ref SecondaryRegion], are " + regions);
        }
        expect(violations, "SecondaryRegion default",
                map(map(t.get("Parameters")).get("SecondaryRegion")).get("Default"), "us-east-2");
        expect(violations, "BillingMode", p.get("BillingMode"), "PAY_PER_REQUEST");
        expect(violations, "KeySchema", p.get("KeySchema"), List.of(
                Map.of("AttributeName", "pk", "KeyType", "HASH"), Map.of("AttributeName", "sk", "KeyType", "RANGE")));
        expect(violations, "GlobalSecondaryIndexes", p.get("GlobalSecondaryIndexes"), List.of(Map.of(
                "IndexName", "merchant-created-index",
                "KeySchema", List.of(Map.of("AttributeName", "gsi1pk", "KeyType", "HASH"),
                        Map.of("AttributeName", "gsi1sk", "KeyType", "RANGE")),
                "Projection", Map.of("ProjectionType", "ALL")), Map.of(
                "IndexName", "pending-calls-index",
                "KeySchema", List.of(Map.of("AttributeName", "gsi2pk", "KeyType", "HASH"),
                        Map.of("AttributeName", "gsi2sk", "KeyType", "RANGE")),
                "Projection", Map.of("ProjectionType", "KEYS_ONLY"))));
        expect(violations, "TimeToLiveSpecification", p.get("TimeToLiveSpecification"),
                Map.of("AttributeName", "expiresAt", "Enabled", true));
        expect(violations, "SSESpecification", p.get("SSESpecification"), Map.of("SSEEnabled", true, "SSEType", "KMS"));
        for (Object replica : list(p.get("Replicas"))) {
            Map<String, Object> r = map(replica);
            Object keyId = map(r.get("SSESpecification")).get("KMSMasterKeyId");
            if (keyId == null) {
                violations.add("replica " + r.get("Region") + ": no customer managed key (SSESpecification.KMSMasterKeyId)");
            } else if (Map.of("Ref", "SecondaryRegion").equals(r.get("Region"))
                    && !Map.of("Ref", "SecondaryTableKeyArn").equals(keyId)) {
                // DynamoDB stores the key ARN: an alias shows as drift and re-keys silently when the alias moves.
                violations.add("replica SecondaryRegion: KMSMasterKeyId must be !Ref SecondaryTableKeyArn (the "
                        + "secondary stack's key ARN), is " + keyId);
            }
            expect(violations, "replica " + r.get("Region") + " PITR", r.get("PointInTimeRecoverySpecification"),
                    Map.of("PointInTimeRecoveryEnabled", true));
            expect(violations, "replica " + r.get("Region") + " DeletionProtectionEnabled",
                    r.get("DeletionProtectionEnabled"), Map.of("Ref", "TableDeletionProtection"));
        }
        return violations;
    }

    /** The stack-owned configuration parameters; the SecureString API key is never in the template. */
    static List<String> ssmParameters(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Set<Object> names = new LinkedHashSet<>();
        resourcesOfType(t, "AWS::SSM::Parameter").forEach((id, r) -> {
            Map<String, Object> p = map(r.get("Properties"));
            names.add(p.get("Name"));
            if (!"String".equals(p.get("Type"))) {
                violations.add(id + ": Type " + p.get("Type") + " (secrets are seeded by the deploy script)");
            }
        });
        Set<Object> expected = new LinkedHashSet<>();
        for (String name : List.of("processor/endpoint", "processor/timeout-ms", "currency-limits", "api-endpoint")) {
            expected.add(Map.of("Fn::Sub", "/payments/${EnvironmentName}/" + name));
        }
        if (!names.equals(expected)) {
            violations.add("SSM parameters " + names + " differ from " + expected);
        }
        return violations;
    }

    /**
     * The routes of api/openapi.yaml, all on the template's HttpApi, whose default authorizer is the JWT one;
     * only the routes the API description marks public (GET /health) opt out with Authorizer: NONE.
     */
    static List<String> routes(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Map<String, Map<String, Object>> apis = resourcesOfType(t, "AWS::Serverless::HttpApi");
        if (apis.size() != 1) {
            violations.add("expected one AWS::Serverless::HttpApi, found " + apis.keySet());
            return violations;
        }
        String apiId = apis.keySet().iterator().next();
        Map<String, Object> auth = map(map(apis.get(apiId).get("Properties")).get("Auth"));
        String defaultAuthorizer = String.valueOf(auth.get("DefaultAuthorizer"));
        Map<String, Object> jwt = map(map(map(auth.get("Authorizers")).get(defaultAuthorizer)).get("JwtConfiguration"));
        if (!Map.of("Ref", "JwtIssuer").equals(jwt.get("issuer"))
                || !list(jwt.get("audience")).contains(Map.of("Ref", "JwtAudience"))) {
            violations.add("the default authorizer " + defaultAuthorizer
                    + " must be a JWT authorizer with issuer !Ref JwtIssuer and audience [!Ref JwtAudience]");
        }
        Set<String> routes = new TreeSet<>();
        Set<String> publicRoutes = new TreeSet<>();
        resourcesOfType(t, "AWS::Serverless::Function").forEach((id, f) ->
                map(map(f.get("Properties")).get("Events")).forEach((name, e) -> {
                    if (!"HttpApi".equals(map(e).get("Type"))) {
                        return;
                    }
                    Map<String, Object> p = map(map(e).get("Properties"));
                    String route = String.valueOf(p.get("Method")).toUpperCase(Locale.ROOT) + " " + p.get("Path");
                    routes.add(route);
                    if (!Map.of("Ref", apiId).equals(p.get("ApiId"))) {
                        violations.add(route + ": not on the template's HttpApi (ApiId !Ref " + apiId
                                + "); SAM would put it on an implicit API without the authorizer");
                    }
                    Object authorizer = map(p.get("Auth")).get("Authorizer");
                    if ("NONE".equals(authorizer)) {
                        publicRoutes.add(route);
                        if (!contract.publicRoutes().contains(route)) {
                            violations.add(route + ": without the JWT authorizer (Authorizer: NONE)");
                        }
                    } else if (authorizer != null && !authorizer.equals(defaultAuthorizer)) {
                        violations.add(route + ": authorizer " + authorizer + " instead of " + defaultAuthorizer);
                    }
                }));
        if (!routes.equals(contract.routes())) {
            violations.add("routes " + routes + " differ from api/openapi.yaml " + contract.routes());
        }
        if (!publicRoutes.equals(contract.publicRoutes())) {
            violations.add("public routes " + publicRoutes + " differ from api/openapi.yaml (security: []) "
                    + contract.publicRoutes());
        }
        return violations;
    }

    /** The alarms an operator of a payment API needs, on the alias the API calls. */
    static List<String> alarms(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Set<String> present = new TreeSet<>();
        resourcesOfType(t, "AWS::CloudWatch::Alarm").forEach((id, r) -> {
            Map<String, Object> p = map(r.get("Properties"));
            String metric = p.get("Namespace") + " " + p.get("MetricName")
                    + (p.containsKey("ExtendedStatistic") ? " " + p.get("ExtendedStatistic") : "");
            present.add(metric);
            if ("AWS/Lambda".equals(p.get("Namespace"))) {
                boolean onAlias = list(p.get("Dimensions")).stream().map(TemplateDesignRulesTest::map).anyMatch(d ->
                        "Resource".equals(d.get("Name"))
                                && Map.of("Fn::Sub", "${PaymentFunction}:live").equals(d.get("Value")));
                if (!onAlias) {
                    violations.add(id + ": Lambda alarm not on the live alias (dimension Resource)");
                }
            }
        });
        for (String required : List.of("AWS/Lambda Errors", "AWS/Lambda Throttles", "AWS/Lambda Duration p99",
                "AWS/DynamoDB ThrottledRequests", "AWS/DynamoDB SystemErrors", "AWS/ApiGateway 5xx")) {
            if (!present.contains(required)) {
                violations.add("no alarm on " + required);
            }
        }
        return violations;
    }

    /**
     * Subnets are placed by AZ ID (the same physical zone in every account; names are shuffled per account), from
     * a parameter or the per-region mapping, never by {@code !GetAZs} index.
     */
    static List<String> subnetsByAzId(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        resourcesOfType(t, "AWS::EC2::Subnet").forEach((id, r) -> {
            Map<String, Object> p = map(r.get("Properties"));
            if (p.containsKey("AvailabilityZone") || !p.containsKey("AvailabilityZoneId")) {
                violations.add(id + ": AvailabilityZoneId (an AZ ID) instead of AvailabilityZone, is "
                        + p.getOrDefault("AvailabilityZone", p.get("AvailabilityZoneId")));
            }
            walk(p, node -> {
                if (node instanceof Map<?, ?> m && m.containsKey("Fn::GetAZs")) {
                    violations.add(id + ": Fn::GetAZs picks account-specific AZ names");
                }
            });
        });
        Map<String, Object> mapping = map(map(t.get("Mappings")).get("AvailabilityZoneIds"));
        for (String region : List.of("us-east-1", "us-east-2")) {
            Map<String, Object> ids = map(mapping.get(region));
            if (ids.get("A") == null || ids.get("B") == null || ids.get("A").equals(ids.get("B"))) {
                violations.add("Mappings AvailabilityZoneIds." + region + " needs two different AZ IDs A and B");
            }
        }
        return violations;
    }

    /** ReservedConcurrency 0 reserves nothing (dev); any other value is reserved (prod). */
    static List<String> reservedConcurrency(Map<String, Object> t) {
        List<String> violations = new ArrayList<>();
        Object condition = map(t.get("Conditions")).get("HasReservedConcurrency");
        if (!Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "ReservedConcurrency"), "0"))))
                .equals(condition)) {
            violations.add("condition HasReservedConcurrency must be !Not [!Equals [!Ref ReservedConcurrency, '0']], is "
                    + condition);
        }
        Object reserved = map(map(resources(t).get("PaymentFunction")).get("Properties")).get("ReservedConcurrentExecutions");
        Object expected = Map.of("Fn::If", List.of("HasReservedConcurrency", Map.of("Ref", "ReservedConcurrency"),
                Map.of("Ref", "AWS::NoValue")));
        if (!expected.equals(reserved)) {
            violations.add("ReservedConcurrentExecutions must be !If [HasReservedConcurrency, !Ref ReservedConcurrency, "
                    + "!Ref AWS::NoValue] (0 must not mean 'throttle everything'), is " + reserved);
        }
        return violations;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    record Rule(String name, Function<Map<String, Object>, List<String>> check) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Rule rule(String name) {
        return rules().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no rule " + name));
    }

    static boolean isWildcardAction(String action) {
        return action.equals("*") || action.endsWith(":*");
    }

    /** Allow statements of the identity and endpoint policies a resource carries. */
    static List<Map<String, Object>> identityStatements(Map<String, Object> resource) {
        Map<String, Object> p = map(resource.get("Properties"));
        List<Object> documents = new ArrayList<>();
        switch (type(resource)) {
            case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group" ->
                    list(p.get("Policies")).forEach(policy -> documents.add(map(policy).get("PolicyDocument")));
            case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::EC2::VPCEndpoint" ->
                    documents.add(p.get("PolicyDocument"));
            default -> { }
        }
        List<Map<String, Object>> statements = new ArrayList<>();
        for (Object document : documents) {
            for (Object statement : list(map(document).get("Statement"))) {
                if ("Allow".equals(map(statement).get("Effect"))) {
                    statements.add(map(statement));
                }
            }
        }
        return statements;
    }

    static Map<String, Object> logGroupReferencedBy(Map<String, Object> t, Object ref) {
        Object id = map(ref).get("Ref");
        Map<String, Object> r = map(resources(t).get(String.valueOf(id)));
        return "AWS::Logs::LogGroup".equals(r.get("Type")) ? r : null;
    }

    /** {@code !Ref} to every resource of a type, those behind a condition included or not. */
    static Set<Object> refsTo(Map<String, Object> t, String resourceType, boolean includeConditional) {
        Set<Object> refs = new LinkedHashSet<>();
        resourcesOfType(t, resourceType).forEach((id, r) -> {
            if (includeConditional || !r.containsKey("Condition")) {
                refs.add(Map.of("Ref", id));
            }
        });
        return refs;
    }

    static void expect(List<String> violations, String what, Object actual, Object expected) {
        if (!Objects.equals(actual, expected)) {
            violations.add(what + " must be " + expected + ", is " + actual);
        }
    }

    static Map<String, Map<String, Object>> resources(Map<String, Object> t) {
        Map<String, Map<String, Object>> resources = new LinkedHashMap<>();
        map(t.get("Resources")).forEach((id, r) -> resources.put(id, map(r)));
        return resources;
    }

    static Map<String, Map<String, Object>> resourcesOfType(Map<String, Object> t, String resourceType) {
        Map<String, Map<String, Object>> matching = new LinkedHashMap<>();
        resources(t).forEach((id, r) -> {
            if (resourceType.equals(type(r))) {
                matching.put(id, r);
            }
        });
        return matching;
    }

    static String type(Map<String, Object> resource) {
        return String.valueOf(resource.get("Type"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }

    /** A string-or-list field (Action, Resource) as a list of its literal strings. */
    static List<String> strings(Object o) {
        if (o instanceof String s) {
            return List.of(s);
        }
        return list(o).stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }

    static void walk(Object node, Consumer<Object> visitor) {
        visitor.accept(node);
        if (node instanceof Map<?, ?> m) {
            m.values().forEach(v -> walk(v, visitor));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> walk(v, visitor));
        }
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw")) && Files.exists(dir.resolve("template.yaml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with mvnw and template.yaml above " + Path.of("").toAbsolutePath());
    }

    /**
     * What the template must agree with, read from where it is defined: docs/architecture.md (handler, environment,
     * outputs), api/openapi.yaml (routes, public routes), and the deployed modules' source (SDK calls).
     */
    record Contract(String handler, Set<String> environment, List<String> outputs, Set<String> routes,
                    Set<String> publicRoutes, Set<String> dynamoDbActions, Set<String> ssmActions) {

        /** SDK v2 client methods (and their paginators) to the IAM action each one needs. */
        static final Map<String, String> DYNAMODB_METHODS = Map.ofEntries(
                Map.entry("getItem", "GetItem"), Map.entry("putItem", "PutItem"),
                Map.entry("updateItem", "UpdateItem"), Map.entry("deleteItem", "DeleteItem"),
                Map.entry("query", "Query"), Map.entry("queryPaginator", "Query"),
                Map.entry("scan", "Scan"), Map.entry("scanPaginator", "Scan"),
                Map.entry("batchGetItem", "BatchGetItem"), Map.entry("batchGetItemPaginator", "BatchGetItem"),
                Map.entry("batchWriteItem", "BatchWriteItem"), Map.entry("transactGetItems", "TransactGetItems"),
                Map.entry("transactWriteItems", "TransactWriteItems"), Map.entry("describeTable", "DescribeTable"),
                Map.entry("executeStatement", "PartiQLSelect"));
        static final Map<String, String> SSM_METHODS = Map.ofEntries(
                Map.entry("getParameter", "GetParameter"), Map.entry("getParameters", "GetParameters"),
                Map.entry("getParametersByPath", "GetParametersByPath"),
                Map.entry("getParametersByPathPaginator", "GetParametersByPath"),
                Map.entry("getParameterHistory", "GetParameterHistory"),
                Map.entry("putParameter", "PutParameter"), Map.entry("deleteParameter", "DeleteParameter"));

        static Contract read(Path root) throws IOException {
            String architecture = Files.readString(root.resolve("docs/architecture.md"));
            // "Handler: `…`" or "Handlers: `…` (…) and `…`": the first one named is the API function's.
            Matcher handler = Pattern.compile("(?m)^Handlers?: `([^`]+)`").matcher(architecture);
            if (!handler.find()) {
                throw new IllegalStateException("docs/architecture.md: no 'Handler: `...`' line");
            }
            Set<String> environment = new TreeSet<>();
            Matcher variable = Pattern.compile("(?m)^\\|\\s*`([A-Z][A-Z0-9_]*)`\\s*\\|")
                    .matcher(section(architecture, "## Function environment"));
            while (variable.find()) {
                environment.add(variable.group(1));
            }
            environment.remove("AWS_REGION"); // set by Lambda; a function cannot set it
            String marker = "Outputs (export `${AWS::StackName}-<Name>`):";
            int at = architecture.indexOf(marker);
            if (at < 0) {
                throw new IllegalStateException("docs/architecture.md: no '" + marker + "' paragraph");
            }
            String paragraph = architecture.substring(at + marker.length()).split("\n\\s*\n", 2)[0];
            List<String> outputs = Stream.of(paragraph.replaceAll("\\([^)]*\\)", "").split("[,.\\s]+"))
                    .filter(s -> !s.isBlank()).toList();

            Map<String, Object> openApi = CloudFormationYaml.parse(Files.readString(root.resolve("api/openapi.yaml")));
            Set<String> routes = new TreeSet<>();
            Set<String> publicRoutes = new TreeSet<>();
            map(openApi.get("paths")).forEach((path, item) -> map(item).forEach((method, operation) -> {
                if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(method)) {
                    String route = method.toUpperCase(Locale.ROOT) + " " + path;
                    routes.add(route);
                    Object security = map(operation).get("security");
                    if (security instanceof List<?> l && l.isEmpty()) {
                        publicRoutes.add(route);
                    }
                }
            }));

            List<Path> deployedSources = List.of(root.resolve("shared/src/main/java"),
                    root.resolve("payment-function/src/main/java"));
            return new Contract(handler.group(1), environment, outputs, routes, publicRoutes,
                    sdkActions(deployedSources, "dynamodb", DYNAMODB_METHODS),
                    sdkActions(deployedSources, "ssm", SSM_METHODS));
        }

        /** IAM actions for the client methods called in source files that import the service's SDK package. */
        static Set<String> sdkActions(List<Path> sourceRoots, String service, Map<String, String> methods) {
            Set<String> actions = new TreeSet<>();
            Pattern call = Pattern.compile("\\.(\\w+)\\(");
            for (Path sourceRoot : sourceRoots) {
                try (Stream<Path> files = Files.walk(sourceRoot)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        String source = Files.readString(file);
                        if (!source.contains("import software.amazon.awssdk.services." + service + ".")) {
                            continue;
                        }
                        Matcher m = call.matcher(source);
                        while (m.find()) {
                            String action = methods.get(m.group(1));
                            if (action != null) {
                                actions.add(service + ":" + action);
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return actions;
        }

        private static String section(String markdown, String heading) {
            int start = markdown.indexOf(heading);
            if (start < 0) {
                throw new IllegalStateException("docs/architecture.md: no section " + heading);
            }
            int end = markdown.indexOf("\n## ", start + heading.length());
            return markdown.substring(start, end < 0 ? markdown.length() : end);
        }
    }

    /**
     * SnakeYAML reading CloudFormation: the short-form intrinsic tags ({@code !Ref}, {@code !Sub}, {@code !GetAtt}
     * ...) become the long form ({@code {"Ref": ...}}, {@code {"Fn::Sub": ...}}), so the rules see one shape. Unknown
     * tags and duplicate keys are errors, as they are for CloudFormation.
     */
    static final class CloudFormationYaml {
        private static final List<String> FUNCTIONS = List.of("And", "Base64", "Cidr", "Contains",
                "EachMemberEquals", "EachMemberIn", "Equals", "FindInMap", "ForEach", "GetAtt", "GetAZs", "If",
                "ImportValue", "Join", "Length", "Not", "Or", "RefAll", "Select", "Split", "Sub", "ToJsonString",
                "Transform", "ValueOf", "ValueOfAll");

        private CloudFormationYaml() {
        }

        static Map<String, Object> parse(String yaml) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            Object document = new Yaml(new IntrinsicConstructor(options)).load(yaml);
            if (!(document instanceof Map<?, ?>)) {
                throw new YAMLException("not a YAML mapping");
            }
            return map(document);
        }

        private static final class IntrinsicConstructor extends SafeConstructor {
            IntrinsicConstructor(LoaderOptions options) {
                super(options);
                yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
                yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
                for (String function : FUNCTIONS) {
                    yamlConstructors.put(new Tag("!" + function), new Intrinsic("Fn::" + function));
                }
            }

            private final class Intrinsic extends AbstractConstruct {
                private final String key;

                Intrinsic(String key) {
                    this.key = key;
                }

                @Override
                public Object construct(Node node) {
                    Object argument = switch (node) {
                        case ScalarNode scalar -> constructScalar(scalar);
                        case SequenceNode sequence -> constructSequence(sequence);
                        case MappingNode mapping -> constructMapping(mapping);
                        default -> throw new YAMLException("unexpected node for " + key + ": " + node.getNodeId());
                    };
                    if (key.equals("Fn::GetAtt") && argument instanceof String dotted) {
                        // !GetAtt Resource.Attribute.Path: the logical id ends at the first dot.
                        int dot = dotted.indexOf('.');
                        argument = dot < 0 ? List.of(dotted)
                                : List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
                    }
                    return Map.of(key, argument);
                }
            }
        }
    }
}
