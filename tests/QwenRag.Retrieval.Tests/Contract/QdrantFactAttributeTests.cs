namespace QwenRag.Retrieval.Tests.Contract;

public sealed class QdrantFactAttributeTests
{
    [Fact]
    public void Skip_FollowsQdrantUrl()
    {
        var attribute = new QdrantFactAttribute();

        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("QDRANT_URL")))
        {
            Assert.Equal("QDRANT_URL is not set: no Qdrant server can run on this machine", attribute.Skip);
        }
        else
        {
            Assert.Null(attribute.Skip);
        }
    }
}
