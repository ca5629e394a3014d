using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Inspector.Grains.Configuration;
using Inspector.Tests.Infrastructure;
using Inspector.WebFront.Hosting;

namespace Inspector.Tests.Api;

/// <summary>An inspector with <c>auth_strategy = http_basic</c> and an htpasswd file as <c>htpasswd -B</c> writes it.</summary>
public sealed class HttpBasicInspector : IAsyncLifetime
{
    /// <summary>Users and passwords, hashed as <c>htpasswd -B</c> does ($2y$) and as Python's bcrypt does ($2b$).</summary>
    public static readonly (string User, string Password, char Revision)[] Users =
    [
        ("admin", "s3cret-Pass", 'y'),
        ("operator", "pa:ss wörd", 'b'),
        ("legacy", "older", 'a'),
    ];

    private InspectorHost? _host;

    public InspectorHost Host => _host ?? throw new InvalidOperationException("Not started");

    public async ValueTask InitializeAsync()
    {
        var directory = Directory.CreateTempSubdirectory("inspector-auth-").FullName;
        var htpasswd = Path.Combine(directory, "htpasswd");
        await File.WriteAllLinesAsync(htpasswd,
        [
            "# written by htpasswd -B",
            .. Users.Select(u => $"{u.User}:{BCrypt.Net.BCrypt.HashPassword(u.Password, BCrypt.Net.BCrypt.GenerateSalt(4, u.Revision))}"),
        ]);
        _host = await InspectorHost.StartAsync(
            new Dictionary<string, string>
            {
                ["DEFAULT"] = $"auth_strategy = http_basic\nhttp_basic_auth_user_file = {htpasswd}",
            },
            directory: directory);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public sealed class AuthSpecs(HttpBasicInspector inspector) : IClassFixture<HttpBasicInspector>
{
    private InspectorHost Host => inspector.Host;

    [Fact]
    public void The_htpasswd_file_holds_2y_and_2b_hashes()
    {
        var lines = File.ReadAllLines(Path.Combine(Host.Directory, "htpasswd"));
        Assert.Contains(lines, l => l.StartsWith("admin:$2y$04$", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("operator:$2b$04$", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/v1")]
    [InlineData("/v1/")]
    public async Task Version_discovery_is_public(string path)
    {
        await (await Host.Client.GetAsync(path)).AssertJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_ramdisk_callback_is_public()
    {
        // The ramdisk has no credentials. Whatever /v1/continue answers, it is not an auth failure.
        using var body = new StringContent("{}", Encoding.UTF8, "application/json");
        var response = await Host.Client.PostAsync("/v1/continue", body);

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
    }

    [Fact]
    public async Task The_api_without_credentials_is_401_with_a_challenge()
    {
        var response = await Host.Client.GetAsync("/v1/introspection");

        var message = await response.AssertErrorAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Authorization required", message);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Basic", challenge.Scheme);
        Assert.Equal("realm=\"Baremetal API\"", challenge.Parameter);
    }

    [Fact]
    public async Task Starting_an_introspection_needs_credentials()
    {
        var node = Host.AddNode();

        var response = await Host.Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path.Contains(node, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("admin", "wrong")]
    [InlineData("admin", "")]
    [InlineData("admin", "S3CRET-PASS")]
    [InlineData("nobody", "s3cret-Pass")]
    [InlineData("operator", "s3cret-Pass")]
    public async Task Wrong_credentials_are_401(string user, string password)
    {
        var response = await GetIntrospectionsAsync(Basic(user, password));

        var message = await response.AssertErrorAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Incorrect username or password", message);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Theory]
    [InlineData("Basic not-base64!")]
    [InlineData("Basic bm9jb2xvbg==")] // "nocolon"
    [InlineData("Bearer abcdef")]
    public async Task Malformed_authorization_headers_are_401(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.TryAddWithoutValidation("Authorization", header);

        await (await Host.Client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Every_user_of_the_file_gets_in_with_the_right_password()
    {
        foreach (var (user, password, _) in HttpBasicInspector.Users)
        {
            var response = await GetIntrospectionsAsync(Basic(user, password));
            await response.AssertJsonAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_right_credentials_work_again_and_again()
    {
        for (var i = 0; i < 3; i++)
        {
            await (await GetIntrospectionsAsync(Basic("admin", "s3cret-Pass"))).AssertJsonAsync(HttpStatusCode.OK);
        }

        await (await GetIntrospectionsAsync(Basic("admin", "wrong"))).AssertErrorAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_authorized_client_can_start_an_introspection()
    {
        var node = Host.AddNode();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/introspection/{node}?manage_boot=false");
        request.Headers.Authorization = Basic("admin", "s3cret-Pass");

        await (await Host.Client.SendAsync(request)).AssertAcceptedAsync();
    }

    [Fact]
    public async Task A_missing_htpasswd_file_stops_start_up_naming_the_option()
    {
        var directory = Directory.CreateTempSubdirectory("inspector-auth-missing-").FullName;
        var missing = Path.Combine(directory, "no-such-htpasswd");
        var config = Path.Combine(directory, "inspector.conf");
        await File.WriteAllTextAsync(config, InspectorHost.WriteConfig("http://127.0.0.1:9", directory, new Dictionary<string, string>
        {
            ["DEFAULT"] = $"auth_strategy = http_basic\nhttp_basic_auth_user_file = {missing}",
        }));

        var error = Assert.Throws<InvalidConfigurationException>(() => InspectorWebApp.Create(["--config-file", config]));

        Assert.Contains("[DEFAULT] http_basic_auth_user_file", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_htpasswd_file_with_other_than_bcrypt_hashes_stops_start_up()
    {
        var directory = Directory.CreateTempSubdirectory("inspector-auth-md5-").FullName;
        var htpasswd = Path.Combine(directory, "htpasswd");
        await File.WriteAllTextAsync(htpasswd, "admin:$apr1$abcdefgh$0123456789abcdefghijkl\n");
        var config = Path.Combine(directory, "inspector.conf");
        await File.WriteAllTextAsync(config, InspectorHost.WriteConfig("http://127.0.0.1:9", directory, new Dictionary<string, string>
        {
            ["DEFAULT"] = $"auth_strategy = http_basic\nhttp_basic_auth_user_file = {htpasswd}",
        }));

        var error = Assert.Throws<InvalidConfigurationException>(() => InspectorWebApp.Create(["--config-file", config]));

        Assert.Contains("[DEFAULT] http_basic_auth_user_file", error.Message, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> GetIntrospectionsAsync(AuthenticationHeaderValue authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.Authorization = authorization;
        return Host.Client.SendAsync(request);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}

/// <summary>With <c>auth_strategy = noauth</c> (the default) no credentials are looked at.</summary>
public sealed class NoAuthSpecs(SharedInspector shared) : IClassFixture<SharedInspector>
{
    [Fact]
    public async Task The_token_the_cli_sends_without_auth_is_ignored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.Add("X-Auth-Token", "notused");

        await (await shared.Host.Client.SendAsync(request)).AssertJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Basic_credentials_are_ignored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "bm9ib2R5Om5vdGhpbmc=");

        var response = await shared.Host.Client.SendAsync(request);

        await response.AssertJsonAsync(HttpStatusCode.OK);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
    }
}
