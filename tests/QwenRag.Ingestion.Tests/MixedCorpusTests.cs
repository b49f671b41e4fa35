using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class MixedCorpusTests
{
    public static TheoryData<string> MixedQuestionIds() => [.. TestCorpus.MixedQuestions().Select(question => question.Id)];

    [Theory]
    [MemberData(nameof(MixedQuestionIds))]
    public void Extract_CorpusQuestion_AnswerOnPageOne(string id)
    {
        var question = TestCorpus.MixedQuestions().Single(q => q.Id == id);
        using var stream = File.OpenRead(TestCorpus.MixedFile(question.Document));

        var document = DocumentExtractors.CreateDefault().Extract(stream, question.Document);

        var section = Assert.Single(document.Sections);
        Assert.Equal(1, section.Page);
        Assert.Contains(TestCorpus.Loose(question.Answer), TestCorpus.Loose(section.Text));
    }
}
