
namespace Aligner.Training.Tests.Training;

public class TrainingPlanTests
{
    [Fact]
    public void IdentityWarmupComesFirstThenEveryRowOncePerEpoch()
    {
        var plan = new TrainingPlan(rowCount: 100, warmupShare: 0.2, epochs: 2, microBatchSize: 4, accumulationSteps: 2, seed: 3);
        var phases = plan.Steps.Select(s => s.Phase).ToList();
        Assert.Equal(3, plan.WarmupSteps);
        Assert.All(phases.Take(plan.WarmupSteps), p => Assert.Equal(TrainingPhase.IdentityWarmup, p));
        Assert.All(phases.Skip(plan.WarmupSteps), p => Assert.Equal(TrainingPhase.Correction, p));
        var warmupItems = plan.Steps.Take(plan.WarmupSteps).SelectMany(s => s.MicroBatches).SelectMany(b => b).ToList();
        Assert.Equal(20, warmupItems.Count);
        Assert.All(warmupItems, i => Assert.True(i.Identity));
        Assert.Equal(20, warmupItems.Select(i => i.Row).Distinct().Count());
        var epochItems = plan.Steps.Skip(plan.WarmupSteps).SelectMany(s => s.MicroBatches).SelectMany(b => b).ToList();
        Assert.Equal(200, epochItems.Count);
        Assert.All(epochItems, i => Assert.False(i.Identity));
        Assert.Equal(Enumerable.Range(0, 100), epochItems.Take(100).Select(i => i.Row).Order());
        Assert.NotEqual(epochItems.Take(100).Select(i => i.Row), epochItems.Skip(100).Select(i => i.Row));
    }

    [Fact]
    public void PlanDependsOnlyOnTheSeed()
    {
        static int[] Rows(int seed) => [.. new TrainingPlan(50, 0.2, 1, 4, 1, seed).Steps.SelectMany(s => s.MicroBatches).SelectMany(b => b).Select(i => i.Row)];
        Assert.Equal(Rows(1), Rows(1));
        Assert.NotEqual(Rows(1), Rows(2));
    }

    [Fact]
    public void NoWarmupShareMeansNoWarmupPhase()
    {
        var plan = new TrainingPlan(10, 0, 1, 2, 1, 0);
        Assert.Equal(0, plan.WarmupSteps);
        Assert.Equal(5, plan.Steps.Count);
    }

    [Fact]
    public void ScheduleWarmsUpLinearlyThenDecaysAlongACosine()
    {
        var schedule = new LearningRateSchedule(1.0, totalSteps: 110, warmupSteps: 10, minRatio: 0.1);
        Assert.Equal(0.1, schedule.At(0), 12);
        Assert.Equal(1.0, schedule.At(9), 12);
        Assert.Equal(1.0, schedule.At(10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 50 / 99.0)), schedule.At(60), 12);
        Assert.Equal(0.1, schedule.At(109), 12);
        for (int s = 11; s < 110; s++) Assert.True(schedule.At(s) <= schedule.At(s - 1));
    }
}
