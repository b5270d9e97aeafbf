// `pulumi up` in this directory runs the example as an ordinary Pulumi program.
import { autoscaledModel } from "./autoscaledModel";

export = autoscaledModel();
