defmodule UroStandin.SigV4Test do
  use ExUnit.Case, async: true
  alias UroStandin.SigV4

  # AWS's published Signature Version 4 test suite, case "get-vanilla".
  @credentials %{
    access_key_id: "AKIDEXAMPLE",
    secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    region: "us-east-1"
  }

  test "signs AWS's get-vanilla request to the published signature" do
    headers =
      SigV4.sign(
        "GET",
        "https://example.amazonaws.com/",
        @credentials,
        "service",
        "",
        {{2015, 8, 30}, {12, 36, 0}},
        [],
        sign_payload: false
      )

    assert {"authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " <>
              "SignedHeaders=host;x-amz-date, " <>
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"} =
             List.keyfind(headers, "authorization", 0)

    assert {"x-amz-date", "20150830T123600Z"} = List.keyfind(headers, "x-amz-date", 0)
  end

  test "keeps a non-default port in Host, as it is sent" do
    headers =
      SigV4.sign(
        "PUT",
        "http://seaweedfs-s3:8333/uro/k",
        @credentials,
        "s3",
        "x",
        {{2026, 1, 2}, {3, 4, 5}}
      )

    assert {"host", "seaweedfs-s3:8333"} = List.keyfind(headers, "host", 0)

    assert {"x-amz-content-sha256",
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"} =
             List.keyfind(headers, "x-amz-content-sha256", 0)
  end

  test "encodes each path segment once and keeps the slashes" do
    assert SigV4.canonical_path("/uro/a b/ü~.txt") == "/uro/a%20b/%C3%BC~.txt"
  end
end
