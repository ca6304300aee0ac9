// JavaRosa (the form engine of ODK Collect) harness: JSON in, JSON out, like ../harness.mjs.
//
//   javac -cp ODK_Validate.jar -d BUILD Harness.java      (the jar of the pyxform wheel)
//   java -cp BUILD:ODK_Validate.jar Harness request.json > result.json
//
// Compiled at test time into a temporary folder (konray_review/forms/javarosa.py), never
// committed. ODK_Validate.jar is a fat jar holding JavaRosa (org.javarosa.*) and Jackson.
//
// request: {"form": "/path/form.xml", "attachments": "/dir/with/villages.csv",
//           "cases": [{"id", "answers": {name: value}, "repeats": {"members": [{...}]},
//                      "edits": [{"op": "set", "path": "members[2]/age_reported",
//                                 "value": 70} | {"op": "delete", "path": "members[2]"}],
//                      "submission": true}]}
// result:  [{"id", "values": {name: value}, "repeats": {"members": [{name: value}]},
//            "violations": [{"ref", "condition", "message"}], "unanswered": [name],
//            "rejected": [{"name", "value", "condition", "message"}],
//            "not_relevant": [name or "members[i]/name"], "submission"}]
//
// The form is filled the way an enumerator fills it in Collect: FormEntryController steps
// through the questions in order, skipping those that are not relevant (an answer for one is
// listed in "unanswered"), adding a roster line at each "add a new member?" prompt while the
// case has more. Unlike the Web Forms engine, JavaRosa does NOT keep an answer that breaks a
// constraint: answerQuestion refuses it (ANSWER_CONSTRAINT_VIOLATED), the question keeps its
// earlier value, and the answer is listed in "rejected" with the form's own message. Edits
// are then made the way an enumerator goes back: jump to the question (or roster line) from
// the start of the form and answer it again (or delete the line). "violations" is what
// Collect's finalise check (FormDef.validate) finds first; "values" are read from the main
// instance after finalising ('' where the node is not relevant); "submission" is the
// instance as Collect serialises it (non-relevant nodes left out).

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.javarosa.core.model.Constants;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.SelectChoice;
import org.javarosa.core.model.ValidateOutcome;
import org.javarosa.core.model.data.AnswerDataFactory;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.data.SelectMultiData;
import org.javarosa.core.model.data.SelectOneData;
import org.javarosa.core.model.data.StringData;
import org.javarosa.core.model.data.UncastData;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.FormInstance;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.core.model.instance.TreeReference;
import org.javarosa.core.reference.Reference;
import org.javarosa.core.reference.ReferenceFactory;
import org.javarosa.core.reference.ReferenceManager;
import org.javarosa.core.services.IPropertyManager;
import org.javarosa.core.services.PropertyManager;
import org.javarosa.core.services.properties.IPropertyRules;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.xform.util.XFormUtils;

public final class Harness {
    private static final String REPEAT = "members";

    private Harness() {}

    /** Form attachments (jr://file-csv/NAME, jr://file/NAME) served from one folder. */
    static final class FolderReferences implements ReferenceFactory {
        private final File dir;

        FolderReferences(File dir) {
            this.dir = dir;
        }

        @Override
        public boolean derives(String uri) {
            return uri.startsWith("jr://file-csv/") || uri.startsWith("jr://file/");
        }

        @Override
        public Reference derive(String uri) {
            final File file = new File(dir, uri.substring(uri.lastIndexOf('/') + 1));
            return new Reference() {
                public boolean doesBinaryExist() { return file.exists(); }
                public InputStream getStream() throws IOException { return new FileInputStream(file); }
                public String getURI() { return uri; }
                public String getLocalURI() { return file.getAbsolutePath(); }
                public boolean isReadOnly() { return true; }
                public OutputStream getOutputStream() throws IOException { throw new IOException("read only"); }
                public void remove() throws IOException { throw new IOException("read only"); }
                public Reference[] probeAlternativeReferences() { return new Reference[0]; }
            };
        }

        @Override
        public Reference derive(String uri, String context) {
            return derive(uri);
        }
    }

    /** Device properties for the deviceid / username preloads (as a phone would give). */
    static final class Properties implements IPropertyManager {
        public List<String> getProperty(String name) {
            String v = getSingularProperty(name);
            return v == null ? null : Collections.singletonList(v);
        }
        public void setProperty(String name, String value) {}
        public void setProperty(String name, List<String> values) {}
        public String getSingularProperty(String name) {
            return "deviceid".equals(name) ? "konray-javarosa-harness" : "";
        }
        public void addRules(IPropertyRules rules) {}
        public List<IPropertyRules> getRules() { return new ArrayList<>(); }
    }

    /** Where a form index sits: ("members", 2, "age_reported") or (null, 0, "commune"). */
    record Place(String repeat, int line, String name) {
        String key() {
            return repeat == null ? name : repeat + "[" + line + "]/" + name;
        }
    }

    static Place placeOf(TreeReference ref) {
        String repeat = null;
        int line = 0;
        for (int i = 0; i < ref.size(); i++) {
            if (REPEAT.equals(ref.getName(i))) {
                repeat = REPEAT;
                line = ref.getMultiplicity(i) + 1;
            }
        }
        return new Place(repeat, line, ref.getName(ref.size() - 1));
    }

    /** "/data/members[2]/able_to_work": the path, with the line number of a roster line. */
    static String refText(TreeReference ref) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ref.size(); i++) {
            out.append('/').append(ref.getName(i));
            if (REPEAT.equals(ref.getName(i))) out.append('[').append(ref.getMultiplicity(i) + 1).append(']');
        }
        return out.toString();
    }

    static String text(Object value) {
        if (value == null) return "";
        if (value instanceof Boolean b) return b ? "yes" : "no";
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && !(value instanceof Double d && d.toString().contains("E"))) {
            return Long.toString(n.longValue());
        }
        return value.toString();
    }

    /** The answer an enumerator gives, typed as the question wants it. */
    static IAnswerData answerFor(FormEntryPrompt prompt, Object value) {
        int control = prompt.getControlType();
        if (control == Constants.CONTROL_TRIGGER) {
            return Boolean.TRUE.equals(value) || "OK".equals(value) ? new StringData("OK") : null;
        }
        if (control == Constants.CONTROL_SELECT_ONE || control == Constants.CONTROL_SELECT_MULTI) {
            List<String> wanted = new ArrayList<>();
            if (value instanceof List<?> list) {
                for (Object o : list) wanted.add(text(o));
            } else {
                for (String s : text(value).split(" ")) if (!s.isEmpty()) wanted.add(s);
            }
            List<Selection> picked = new ArrayList<>();
            List<SelectChoice> choices = prompt.getSelectChoices();
            for (String w : wanted) {
                Selection sel = new Selection(w);  // a value the list lacks stays unattached
                if (choices != null) {
                    for (SelectChoice c : choices) {
                        if (c.getValue().equals(w)) sel = c.selection();
                    }
                }
                picked.add(sel);
            }
            if (control == Constants.CONTROL_SELECT_ONE) {
                return picked.isEmpty() ? null : new SelectOneData(picked.get(0));
            }
            return picked.isEmpty() ? null : new SelectMultiData(picked);
        }
        String s = text(value);
        if (s.isEmpty()) return null;
        return AnswerDataFactory.templateByDataType(prompt.getDataType()).cast(new UncastData(s));
    }

    static final class Filler {
        final FormEntryController fec;
        final FormDef fd;
        final Map<String, Object> result;
        final List<Map<String, Object>> rejected = new ArrayList<>();
        final Set<String> used = new LinkedHashSet<>();

        Filler(FormDef fd, Map<String, Object> result) {
            this.fd = fd;
            this.fec = new FormEntryController(new FormEntryModel(fd));
            this.result = result;
        }

        /** Answer the question at the controller's index; true when JavaRosa accepts it. */
        boolean answer(Place place, Object value) {
            FormEntryPrompt prompt = fec.getModel().getQuestionPrompt();
            if (prompt.isReadOnly()) return false;
            IAnswerData data = answerFor(prompt, value);
            int outcome = fec.answerQuestion(data, true);
            if (outcome == FormEntryController.ANSWER_CONSTRAINT_VIOLATED) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", place.key());
                r.put("value", value);
                r.put("condition", "constraint");
                r.put("message", prompt.getConstraintText());
                rejected.add(r);
                return false;
            }
            return true;
        }

        /** First pass: the whole form in order, adding roster lines as the case needs. */
        void fill(Map<String, Object> answers, List<Map<String, Object>> roster) {
            fec.jumpToIndex(FormIndex.createBeginningOfFormIndex());
            for (int event = fec.stepToNextEvent(); event != FormEntryController.EVENT_END_OF_FORM;
                 event = fec.stepToNextEvent()) {
                FormIndex index = fec.getModel().getFormIndex();
                if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                    Place p = placeOf(index.getReference());
                    int have = fd.getNumRepetitions(index);
                    if (REPEAT.equals(p.name()) && have < roster.size()) fec.newRepeat();
                    continue;
                }
                if (event != FormEntryController.EVENT_QUESTION) continue;
                Place p = placeOf(index.getReference());
                Map<String, Object> source = p.repeat() == null ? answers
                        : (p.line() <= roster.size() ? roster.get(p.line() - 1) : Map.of());
                if (source.containsKey(p.name())) {
                    answer(p, source.get(p.name()));
                    used.add(p.repeat() == null ? p.name() : p.key());
                }
            }
        }

        /** Step from the start of the form to ``path`` (a question, or a roster line). */
        boolean jumpTo(String path) {
            fec.jumpToIndex(FormIndex.createBeginningOfFormIndex());
            for (int event = fec.stepToNextEvent(); event != FormEntryController.EVENT_END_OF_FORM;
                 event = fec.stepToNextEvent()) {
                Place p = placeOf(fec.getModel().getFormIndex().getReference());
                boolean line = event == FormEntryController.EVENT_REPEAT && REPEAT.equals(p.name())
                        && path.equals(REPEAT + "[" + p.line() + "]");
                boolean question = event == FormEntryController.EVENT_QUESTION
                        && path.equals(p.key());
                if (line || question) return true;
            }
            return false;
        }

        void edit(Map<String, Object> e, List<String> unanswered) {
            String path = (String) e.get("path");
            if (!jumpTo(path)) {
                unanswered.add(path);  // not shown (not relevant) or no such line
                return;
            }
            if ("delete".equals(e.get("op"))) {
                fec.deleteRepeat();
            } else {
                answer(placeOf(fec.getModel().getFormIndex().getReference()), e.get("value"));
            }
        }
    }

    /** values / repeats / not_relevant of the main instance (template lines left out). */
    static void read(TreeElement el, String prefix, Map<String, Object> values,
                     List<Map<String, Object>> lines, List<String> notRelevant) {
        for (int i = 0; i < el.getNumChildren(); i++) {
            TreeElement child = el.getChildAt(i);
            if (child.getMultiplicity() == TreeReference.INDEX_TEMPLATE) continue;
            String name = child.getName();
            if (REPEAT.equals(name) && prefix.isEmpty()) {
                Map<String, Object> line = new LinkedHashMap<>();
                List<String> lineNot = new ArrayList<>();
                read(child, REPEAT, line, null, lineNot);
                int n = lines.size() + 1;
                for (String x : lineNot) notRelevant.add(REPEAT + "[" + n + "]/" + x);
                lines.add(line);
            } else if (child.isLeaf()) {
                IAnswerData v = child.getValue();
                boolean relevant = child.isRelevant();
                values.put(name, relevant && v != null ? v.uncast().getString() : "");
                if (!relevant) notRelevant.add(name);
            } else {
                read(child, prefix, values, lines, notRelevant);
            }
        }
    }

    /** The parsed form, and a pristine copy of its main instance for each new filling. */
    static final class Form {
        final String path;
        final boolean reparse;
        FormDef def;
        FormInstance pristine;

        Form(String path, boolean reparse) throws Exception {
            this.path = path;
            this.reparse = reparse;
            load();
        }

        private void load() throws Exception {
            try (InputStream in = new FileInputStream(path)) {
                def = XFormUtils.getFormFromInputStream(in);
            }
            pristine = def.getMainInstance().clone();
        }

        /** A blank filling, as Collect starts one: a fresh main instance, initialised
         *  (preloads, defaults, calculates). The XML is parsed once per batch; with
         *  ``reparse`` (KONRAY_JAVAROSA_REPARSE=1) it is parsed again for each case, which
         *  tests/forms/test_javarosa.py uses to show both give the same results. */
        FormDef fresh() throws Exception {
            if (reparse) load();
            else def.setInstance(pristine.clone());
            def.initialize(true, new InstanceInitializationFactory());
            return def;
        }
    }

    static Map<String, Object> runCase(Form form, Map<String, Object> c) throws Exception {
        FormDef fd = form.fresh();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", c.get("id"));
        @SuppressWarnings("unchecked")
        Map<String, Object> answers = (Map<String, Object>) c.getOrDefault("answers", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, List<Map<String, Object>>> repeats =
                (Map<String, List<Map<String, Object>>>) c.getOrDefault("repeats", Map.of());
        List<Map<String, Object>> roster = repeats.getOrDefault(REPEAT, List.of());
        Filler f = new Filler(fd, out);
        f.fill(answers, roster);
        List<String> unanswered = new ArrayList<>();
        for (String k : answers.keySet()) if (!f.used.contains(k)) unanswered.add(k);
        for (int i = 0; i < roster.size(); i++) {
            for (String k : roster.get(i).keySet()) {
                String key = REPEAT + "[" + (i + 1) + "]/" + k;
                if (!f.used.contains(key)) unanswered.add(key);
            }
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> edits = (List<Map<String, Object>>) c.getOrDefault("edits", List.of());
        for (Map<String, Object> e : edits) f.edit(e, unanswered);

        List<Map<String, Object>> violations = new ArrayList<>();
        ValidateOutcome check = fd.validate();
        if (check != null && check.outcome != FormEntryController.ANSWER_OK) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("ref", refText(check.failedPrompt.getReference()));
            boolean required = check.outcome == FormEntryController.ANSWER_REQUIRED_BUT_EMPTY;
            v.put("condition", required ? "required" : "constraint");
            v.put("message", required ? null
                    : new FormEntryPrompt(fd, check.failedPrompt).getConstraintText());
            violations.add(v);
        }
        f.fec.finalizeFormEntry();
        Map<String, Object> values = new LinkedHashMap<>();
        List<Map<String, Object>> lines = new ArrayList<>();
        List<String> notRelevant = new ArrayList<>();
        read(fd.getMainInstance().getRoot(), "", values, lines, notRelevant);
        out.put("values", values);
        out.put("repeats", Map.of(REPEAT, lines));
        out.put("violations", violations);
        out.put("unanswered", unanswered);
        out.put("rejected", f.rejected);
        out.put("not_relevant", notRelevant);
        if (Boolean.TRUE.equals(c.get("submission"))) {
            byte[] xml = new XFormSerializingVisitor().serializeInstance(fd.getInstance());
            out.put("submission", new String(xml, StandardCharsets.UTF_8));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> request = json.readValue(new File(args[0]), Map.class);
        File attachments = new File((String) request.getOrDefault("attachments", "."));
        ReferenceManager.instance().addReferenceFactory(new FolderReferences(attachments));
        PropertyManager.setPropertyManager(new Properties());
        Form form = new Form((String) request.get("form"),  // after the attachments are served
                "1".equals(System.getenv("KONRAY_JAVAROSA_REPARSE")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) request.get("cases");
        List<Map<String, Object>> results = new ArrayList<>();
        boolean timing = "1".equals(System.getenv("KONRAY_HARNESS_TIMING"));
        for (Map<String, Object> c : cases) {
            long t = System.nanoTime();
            results.add(runCase(form, c));
            if (timing) System.err.printf("%s %d ms%n", c.get("id"), (System.nanoTime() - t) / 1_000_000);
        }
        json.writeValue(System.out, results);
    }
}
