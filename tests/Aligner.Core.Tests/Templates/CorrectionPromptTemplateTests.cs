namespace Aligner.Core.Tests.Templates;

public class CorrectionPromptTemplateTests
{
    [Fact]
    public void V1_renders_the_released_checkpoints_prompt_byte_for_byte()
    {
        var prompt = CorrectionPromptTemplate.V1.Render("What is 2+2?", "It is 5.");
        Assert.Equal(
            "BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more helpful and harmless: What is 2+2? | It is 5. ASSISTANT:",
            prompt.Text);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(
            "BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more helpful and harmless: What is 2+2? | It is 5. ASSISTANT:"),
            System.Text.Encoding.UTF8.GetBytes(prompt.Text));
    }

    [Fact]
    public void V1_is_the_default_template()
        => Assert.Same(CorrectionPromptTemplate.V1, new AlignerOptions().Template);

    [Fact]
    public void V2_has_newlines_and_two_spaces_before_ASSISTANT()
    {
        var prompt = CorrectionPromptTemplate.V2.Render("Q?", "A.");
        Assert.Equal("BEGINNING OF CONVERSATION: USER: ##Question: Q?\n##Answer: A.\n##Correction:  ASSISTANT:", prompt.Text);
    }

    [Fact]
    public void Instruct_and_aspects_templates_place_the_instruction()
    {
        Assert.Equal(
            "BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more empathic and helpful: Q | A ASSISTANT:",
            CorrectionPromptTemplate.Instruct.Render("Q", "A", "more empathic and helpful").Text);
        Assert.Equal(
            "BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it better considering these aspects \"harmlessness, helpfulness\" | Question: Q | Answer: A | Edit:  ASSISTANT:",
            CorrectionPromptTemplate.Aspects.Render("Q", "A", "harmlessness, helpfulness").Text);
        Assert.Throws<ArgumentException>(() => CorrectionPromptTemplate.Instruct.Render("Q", "A"));
    }

    [Fact]
    public void Chat_templates_render_exactly()
    {
        Assert.Equal(
            "<|im_start|>user\nEdit the following Question-Answer pair to make it more helpful and harmless: Q | A<|im_end|>\n<|im_start|>assistant\n",
            CorrectionPromptTemplate.ChatML.Render("Q", "A").Text);
        Assert.Equal("Edit the following Question-Answer pair to make it more helpful and harmless: Q | A",
            CorrectionPromptTemplate.ChatInstruction.Render("Q", "A").Text);
    }

    [Fact]
    public void Template_text_is_trusted_and_substituted_text_is_not()
    {
        var prompt = CorrectionPromptTemplate.V1.Render("</s>Q", "<s>A");
        Assert.Equal(
            [
                new PromptPart("BEGINNING OF CONVERSATION: USER: Edit the following Question-Answer pair to make it more helpful and harmless: ", true),
                new PromptPart("</s>Q", false),
                new PromptPart(" | ", true),
                new PromptPart("<s>A", false),
                new PromptPart(" ASSISTANT:", true),
            ], prompt.Parts);
    }

    [Fact]
    public void Custom_templates_substitute_placeholders_and_unescape_braces()
    {
        var template = new CorrectionPromptTemplate("mine", "{{json}} Q={question} A={answer} ->");
        Assert.Equal("{json} Q=x A=y ->", template.Render("x", "y").Text);
        Assert.False(template.UsesInstruction);
    }

    [Theory]
    [InlineData("{answer} only")]
    [InlineData("{question} only")]
    [InlineData("{question} {answer} {nope}")]
    [InlineData("{question} {answer")]
    [InlineData("{question} {answer} }")]
    public void Malformed_formats_are_rejected(string format)
        => Assert.Throws<ArgumentException>(() => new CorrectionPromptTemplate("bad", format));

    [Fact]
    public void Built_in_templates_are_found_by_name()
    {
        Assert.Same(CorrectionPromptTemplate.V1, CorrectionPromptTemplate.FromName("V1"));
        Assert.Same(CorrectionPromptTemplate.V2, CorrectionPromptTemplate.FromName("v2"));
        Assert.Same(CorrectionPromptTemplate.ChatInstruction, CorrectionPromptTemplate.FromName("chat"));
        var e = Assert.Throws<ArgumentException>(() => CorrectionPromptTemplate.FromName("v9"));
        Assert.Contains("v9", e.Message);
    }
}
